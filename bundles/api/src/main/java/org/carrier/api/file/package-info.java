/**
 * The modes of what Carrier writes (mail, queue files, state, secrets), the one way a state snapshot file is
 * replaced, and the check of secrets others can read.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.carrier.api.file;
