package org.carrier.smtp.server.internal;

import org.carrier.api.queue.MailQueue;
import org.carrier.api.route.Router;

/** What a session needs from the rest of Carrier, looked up when needed so services can change while it runs. */
interface SessionServices {
    MailQueue queue();

    Router router();

    /** A snapshot of the filters now registered, in order. */
    FilterChain filters();
}
