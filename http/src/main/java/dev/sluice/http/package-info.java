/**
 * Per-client quotas for HTTP servers, with no framework dependency: the rules every adapter (the
 * Servlet filter, the Spring starter, the server's own API) shares. Who the client is
 * ({@code ClientAddresses}: the socket peer, or the right-most untrusted hop
 * behind trusted proxies; {@code Identities}: an authenticated client id from a
 * principal, a header or an API key), and, in later parts, which policies a route takes and the
 * answer to a denial.
 */
package dev.sluice.http;
