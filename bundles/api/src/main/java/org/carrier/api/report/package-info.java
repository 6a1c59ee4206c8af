/**
 * What the daily aggregate reports Carrier sends have in common: SMTP TLS Reporting (RFC 8460) and DMARC aggregate
 * reports (RFC 7489 §7.2). Both count events per UTC day in a state file that survives a restart
 * ({@link ReportStateFile}, {@link StateFields}), send the day's reports once a day at a random minute after midnight
 * ({@link DailySchedule}), gzip the report ({@link Gzip}) and mail it as an attachment through Carrier's own queue
 * ({@link ReportMessage}, {@link ReportSubmission}) with an envelope mark ({@link ReportMark}) so that no report is
 * made about the delivery of a report. With a cluster, the nodes add their counts to shared tallies and one node
 * sends each report ({@link ClusterTallies}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.carrier.api.report;
