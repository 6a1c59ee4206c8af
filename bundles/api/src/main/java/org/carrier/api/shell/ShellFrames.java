package org.carrier.api.shell;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The protocol on the shell socket ({@code data/run/carrier.sock}). The client sends command lines, one a line in
 * UTF-8; for each, the server answers with frames of one type byte and a 4-byte length: {@link #OUT} and {@link #ERR}
 * carry the command's output and error text as it comes, and {@link #STATUS} (a 4-byte int, 0 for success) ends the
 * answer. The connection then takes the next line, so an interactive client keeps one Gogo session (and its variables).
 */
public final class ShellFrames {
    public static final byte OUT = 'O';
    public static final byte ERR = 'E';
    public static final byte STATUS = 'X';
    /** Larger frames are a broken peer, not output: a listing is written in many smaller frames. */
    public static final int MAX_FRAME = 1 << 20;

    private ShellFrames() {
    }

    /** Writes one frame; synchronized on {@code out}, since a command's output and error streams share it. */
    public static void write(DataOutputStream out, byte type, byte[] bytes, int offset, int length) throws IOException {
        synchronized (out) {
            out.writeByte(type);
            out.writeInt(length);
            out.write(bytes, offset, length);
        }
    }

    public static void writeStatus(DataOutputStream out, int status) throws IOException {
        synchronized (out) {
            out.writeByte(STATUS);
            out.writeInt(4);
            out.writeInt(status);
            out.flush();
        }
    }

    /**
     * Copies the frames of one answer to {@code out} and {@code err} until its status frame.
     *
     * @return the command's status
     * @throws IOException when the connection ends before the status (Carrier stopped meanwhile)
     */
    public static int readAnswer(DataInputStream in, OutputStream out, OutputStream err) throws IOException {
        while (true) {
            byte type = in.readByte();
            int length = in.readInt();
            if (length < 0 || length > MAX_FRAME) {
                throw new IOException("broken answer from Carrier (frame of " + length + " bytes)");
            }
            if (type == STATUS) {
                return in.readInt();
            }
            byte[] bytes = in.readNBytes(length);
            OutputStream target = type == ERR ? err : out;
            target.write(bytes);
            target.flush();
        }
    }

    /** An output stream that sends what is written to it as frames of one type. */
    public static final class FrameOutputStream extends OutputStream {
        private final DataOutputStream socket;
        private final byte type;

        public FrameOutputStream(DataOutputStream socket, byte type) {
            this.socket = socket;
            this.type = type;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            for (int done = 0; done < length; done += MAX_FRAME) {
                ShellFrames.write(socket, type, bytes, offset + done, Math.min(MAX_FRAME, length - done));
            }
        }

        @Override
        public void flush() throws IOException {
            socket.flush();
        }
    }
}
