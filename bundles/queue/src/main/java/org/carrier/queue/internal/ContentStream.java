package org.carrier.queue.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A queued message as transports read it: the prepended header fields, then the first {@code contentSize}
 * bytes of its spool file (the content without the envelope trailer). The file is read at explicit positions,
 * so several readers may share one open file, such as the one still open from the message's reception.
 */
final class ContentStream extends InputStream {
    private final byte[] head;
    private final FileChannel file;
    private final long length;
    private final boolean closeFile;
    private long position;

    /** @param closeFile whether closing this stream closes {@code file} (false: someone else owns it) */
    ContentStream(byte[] head, FileChannel file, long contentSize, boolean closeFile) {
        this.head = head;
        this.file = file;
        this.length = head.length + contentSize;
        this.closeFile = closeFile;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int count) throws IOException {
        if (count == 0) {
            return 0;
        }
        if (position >= length) {
            return -1;
        }
        int n = (int) Math.min(count, length - position);
        if (position < head.length) {
            n = Math.min(n, head.length - (int) position);
            System.arraycopy(head, (int) position, buffer, offset, n);
        } else {
            n = file.read(ByteBuffer.wrap(buffer, offset, n), position - head.length);
            if (n < 0) {
                throw new IOException("the spool file ends " + (length - position) + " bytes before its recorded size");
            }
        }
        position += n;
        return n;
    }

    /** The rest in one array, read from the file with as few calls as the kernel allows (transports read small messages whole). */
    @Override
    public byte[] readAllBytes() throws IOException {
        long rest = length - position;
        if (rest > Integer.MAX_VALUE - 8) {
            throw new IOException("message too large to read into memory: " + rest + " bytes");
        }
        byte[] all = new byte[(int) rest];
        int filled = 0;
        while (filled < all.length) {
            filled += read(all, filled, all.length - filled);
        }
        return all;
    }

    @Override
    public long skip(long n) {
        long skipped = Math.max(0, Math.min(n, length - position));
        position += skipped;
        return skipped;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, length - position);
    }

    @Override
    public void close() throws IOException {
        if (closeFile) {
            file.close();
        }
    }
}
