package dev.sluice.spring.boot.autoconfigure;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/** A Spring MVC application: its controllers only, everything else from its YAML. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({Apps.Api.class, Apps.Reports.class})
public class MvcApp {}
