/**
 * The modes of what Carrier writes (mail, queue files, state, secrets) and the check of secrets others can read.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.carrier.api.file;
