/**
 * A Jakarta Servlet filter over {@link dev.sluice.http.HttpQuotas}:
 * {@link dev.sluice.servlet.SluiceFilter} decides every request before the application sees it,
 * refuses with the 429/422/503 {@link dev.sluice.http.QuotaAnswer}, optionally holds a
 * concurrency lease per client while the request runs (released on every way a request ends,
 * async included) and charges budgets after the response. {@link dev.sluice.servlet.ServletQuotaRequest}
 * is how a Servlet request is read.
 */
package dev.sluice.servlet;
