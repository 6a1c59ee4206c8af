/**
 * Text rules every bundle applies the same way, such as how client-supplied text is made safe for a log line or a
 * header field, and how JSON is written and read ({@link org.carrier.api.text.Json}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.carrier.api.text;
