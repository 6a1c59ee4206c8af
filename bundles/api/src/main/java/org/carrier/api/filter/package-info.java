/**
 * SMTP filters: the hooks that run at each stage of an SMTP session and the immutable results they return.
 * <p>
 * 2.0: a filter declares its stages ({@link org.carrier.api.filter.SmtpFilter#stages()}, {@link
 * org.carrier.api.filter.FilterStage}); the MAIL, RCPT and DATA hooks take the filter's
 * {@link org.carrier.api.filter.TransactionState}; {@link org.carrier.api.filter.MessageView#queueId()} names the
 * message. Major: the hooks' signatures changed and {@code stages()} is abstract in a consumer type.
 * <p>
 * 2.1: {@link org.carrier.api.filter.FilterConfiguration}, the configuration skeleton every filter component shares.
 * <p>
 * 2.2: {@link org.carrier.api.filter.MessageEdits} with {@link org.carrier.api.filter.FilterResult#withEdits}: a DATA
 * filter changes header fields, body, recipients and sender (the milter modification actions) before the message is
 * queued; {@link org.carrier.api.filter.MessageView#maxSize()} bounds what the edits may make of it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.2.0")
package org.carrier.api.filter;
