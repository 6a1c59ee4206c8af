/**
 * State shared by the Carrier nodes of a cluster (greylist triplets, rate-limit windows, leases, report tallies, change
 * notifications), independent of the engine that holds it. A consumer takes {@link SharedState} as an optional,
 * dynamic reference: when no cluster is configured there is no such service and the consumer keeps its single-node
 * behaviour. Every call is bounded by the service's command timeout and fails with {@link SharedStateException};
 * the consumer's {@link ClusterFailure} setting decides what a failure means for mail.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package org.carrier.api.cluster;
