package org.carrier.delivery.smtp.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.carrier.api.message.HeaderField;
import org.carrier.api.transport.MessageSource;

/**
 * The message with the outbound filters' fields on top, without a copy of the message: the fields' bytes, then the
 * message's own stream.
 */
record PrependedContent(byte[] head, MessageSource message) implements MessageSource {
    @Override
    public InputStream open() throws IOException {
        return new SequenceInputStream(new ByteArrayInputStream(head), message.open());
    }

    @Override
    public long size() {
        return head.length + message.size();
    }

    /**
     * The fields prepended so far, in the order they go on top. A filter's fields go above those of the filters
     * before it: a later signature or seal covers what was added earlier (RFC 6376 §5.6, RFC 8617 §5.1).
     */
    static final class Fields {
        private final List<HeaderField> fields = new ArrayList<>();

        List<HeaderField> fields() {
            return List.copyOf(fields);
        }

        /**
         * Adds one filter's fields, the first on top. A value must be one field: any CR or LF in it is part of a
         * fold, CRLF followed by white space (RFC 5322 §2.2.3); anything else would end the header or start a
         * field the filter did not name.
         */
        void add(List<HeaderField> more) {
            for (HeaderField field : more) {
                requireFolded(field);
            }
            fields.addAll(0, more);
        }

        byte[] bytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            for (HeaderField field : fields) {
                out.writeBytes((field + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
            return out.toByteArray();
        }

        private static void requireFolded(HeaderField field) {
            String value = field.value();
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                boolean fold = c == '\r' && i + 2 < value.length() && value.charAt(i + 1) == '\n'
                        && (value.charAt(i + 2) == ' ' || value.charAt(i + 2) == '\t');
                if (fold) {
                    i++;
                } else if (c == '\r' || c == '\n') {
                    throw new IllegalArgumentException("the value of the " + field.name()
                            + " field has a line break that is not a fold (CRLF and white space)");
                }
            }
        }
    }
}
