/**
 * Spring Boot auto-configuration of Sluice from {@code sluice.*} properties.
 */
package dev.sluice.spring.boot.autoconfigure;
