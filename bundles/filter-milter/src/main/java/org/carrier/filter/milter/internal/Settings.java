package org.carrier.filter.milter.internal;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One milter's settings, replaced whole on a configuration change.
 *
 * @param name                      the milter's name in logs and metrics
 * @param address                   where it listens
 * @param listeners                 the listeners whose mail it judges; empty: every listener
 * @param connectTimeoutMillis      the wait for the connection
 * @param commandTimeoutMillis      the wait for each answer before the end of the message
 * @param endOfMessageTimeoutMillis the wait for each answer at the end of the message (SMFIR_PROGRESS restarts it)
 * @param endOfMessageLimitMillis   the longest the end of the message may take, progress or not
 * @param defaultAction             what a failure gives
 * @param order                     its place among milters (Postfix's list order)
 * @param protocolVersion           the version offered in option negotiation
 * @param macros                    the macros sent at each stage, unless the milter asks for others
 * @param maxBodyReplacement        the largest new body accepted (SMFIR_REPLBODY), in bytes
 */
record Settings(String name, MilterAddress address, Set<String> listeners, long connectTimeoutMillis,
                long commandTimeoutMillis, long endOfMessageTimeoutMillis, long endOfMessageLimitMillis,
                DefaultAction defaultAction, int order, int protocolVersion, Map<MacroStage, List<String>> macros,
                long maxBodyReplacement) {

    /** Whether the milter judges mail received on this listener. */
    boolean appliesTo(String listener) {
        return listeners.isEmpty() || listeners.contains(listener);
    }
}
