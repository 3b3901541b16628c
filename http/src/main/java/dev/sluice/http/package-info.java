/**
 * Per-client quotas for HTTP servers, with no framework dependency: the rules every adapter (the
 * Servlet filter, the Spring starter, the server's own API) shares. Who the client is
 * ({@link dev.sluice.http.ClientAddresses}: the socket peer, or the right-most untrusted hop
 * behind trusted proxies; {@link dev.sluice.http.Identities}: an authenticated client id from a
 * principal, a header or an API key), which policies a request takes
 * ({@link dev.sluice.http.RouteRules}), and the answer to a decision
 * ({@link dev.sluice.http.QuotaAnswer}: 429/422/503 with {@code Retry-After}, the RateLimit
 * headers and an RFC 9457 problem body).
 */
package dev.sluice.http;
