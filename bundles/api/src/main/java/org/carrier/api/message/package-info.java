/**
 * The message model shared by every part of Carrier: addresses, envelopes, session facts and SMTP replies.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.6.0")
package org.carrier.api.message;
