package dev.sluice.spring.boot.autoconfigure;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/** A WebFlux application ({@code spring.main.web-application-type: reactive} in its YAML). */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({Apps.Api.class, Apps.Reports.class})
public class WebFluxApp {}
