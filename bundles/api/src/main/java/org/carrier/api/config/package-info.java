/**
 * Reading configuration the same way in every bundle: a value that cannot be used is one log line naming the file,
 * the key, the value and what is expected, and the settings in force stay ({@link ConfigGuard}); the "PID (file)"
 * those lines start with ({@link TypedConfig#source}); every list setting split by one rule ({@link ConfigLists});
 * a renamed key still read, with one deprecation line ({@link RenamedKey}).
 * <p>
 * 1.2: {@link ConfigLists#words}, lists whose elements hold commas.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package org.carrier.api.config;
