/**
 * What the rest of Carrier may ask of this node's SMTP server as a whole: whether it takes new sessions (a node
 * being drained before maintenance or removal from a cluster).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.carrier.api.smtp;
