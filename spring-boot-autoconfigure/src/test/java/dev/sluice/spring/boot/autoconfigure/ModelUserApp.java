package dev.sluice.spring.boot.autoconfigure;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/** The model user's Spring MVC application: an API and a health check, quotas from its YAML. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(Apps.Api.class)
public class ModelUserApp {}
