package org.carrier.smtp.server.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.carrier.api.filter.AuthResult;
import org.carrier.api.filter.MessageView;
import org.carrier.api.message.HeaderField;
import org.carrier.api.queue.IncomingMessage;

/** The data filters' view of a message received into the queue: its header parsed lazily on first use. */
final class ReceivedMessage implements MessageView {
    private final IncomingMessage incoming;
    private final String queueId;
    private final List<AuthResult> authResults;
    private final Predicate<List<HeaderField>> authorOwned;
    private final long maxSize;
    private List<HeaderField> headers;

    /**
     * @param authResults the transaction's authentication results so far, growing as the data filters run
     * @param authorOwned whether the authenticated user owns the author addresses of a header (the listener's
     *                    sender-login rule)
     * @param maxSize     the transaction's size limit, which the filters' edits must keep to
     */
    ReceivedMessage(IncomingMessage incoming, String queueId, List<AuthResult> authResults, Predicate<List<HeaderField>> authorOwned,
                    long maxSize) {
        this.incoming = incoming;
        this.queueId = queueId;
        this.authResults = authResults;
        this.authorOwned = authorOwned;
        this.maxSize = maxSize;
    }

    @Override
    public long maxSize() {
        return maxSize;
    }

    @Override
    public String queueId() {
        return queueId;
    }

    @Override
    public boolean fromOwnedByUser() {
        return authorOwned.test(headers());
    }

    @Override
    public List<AuthResult> authResults() {
        return List.copyOf(authResults);
    }

    @Override
    public synchronized List<HeaderField> headers() {
        if (headers == null) {
            try (InputStream in = incoming.openContent()) {
                headers = parse(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return headers;
    }

    @Override
    public long size() {
        return incoming.size();
    }

    @Override
    public InputStream openContent() throws IOException {
        return incoming.openContent();
    }

    /** RFC 5322 §2.2: fields up to the first empty line; a line starting with white space continues the field. */
    static List<HeaderField> parse(InputStream in) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        List<HeaderField> fields = new ArrayList<>();
        String name = null;
        StringBuilder value = new StringBuilder();
        String line;
        while ((line = reader.readLine()) != null && !line.isEmpty()) {
            if ((line.startsWith(" ") || line.startsWith("\t")) && name != null) {
                value.append(' ').append(line.strip());
                continue;
            }
            add(fields, name, value);
            int colon = line.indexOf(':');
            name = colon > 0 ? line.substring(0, colon).strip() : null;
            value = new StringBuilder(colon > 0 ? line.substring(colon + 1).strip() : "");
        }
        add(fields, name, value);
        return fields;
    }

    private static void add(List<HeaderField> fields, String name, StringBuilder value) {
        if (name != null && !name.isEmpty()) {
            try {
                fields.add(new HeaderField(name, value.toString()));
            } catch (IllegalArgumentException malformed) {
                // a field name with illegal characters is not a header field; filters do not see it
            }
        }
    }
}
