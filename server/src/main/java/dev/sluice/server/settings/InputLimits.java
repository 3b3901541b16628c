package dev.sluice.server.settings;

/**
 * Bounds on what one request may hold (Sluice's own settings): larger requests are refused with
 * INVALID_ARGUMENT (HTTP 400) or, beyond {@code maxRequestBytes}, RESOURCE_EXHAUSTED (HTTP 413),
 * and nothing is charged.
 *
 * @param maxRequestBytes {@code MAX_REQUEST_BYTES}: the largest gRPC message or HTTP body, default 1 MiB
 * @param maxValueLength {@code MAX_VALUE_LENGTH}: the longest domain, descriptor key or value, in characters, default 1024
 * @param maxDescriptors {@code MAX_DESCRIPTORS}: the most descriptors in one request, default 64
 * @param maxEntries {@code MAX_ENTRIES}: the most entries in one descriptor, default 64
 */
public record InputLimits(int maxRequestBytes, int maxValueLength, int maxDescriptors, int maxEntries) {}
