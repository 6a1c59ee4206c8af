package org.carrier.filter.milter.internal;

/**
 * The milter protocol's codes, version 6 (libmilter 8.14+, mfdef.h; what Postfix and rspamd speak). A packet is a
 * 4-byte big-endian length, then a command or reply byte and its payload; the length counts the byte and the payload.
 */
final class Protocol {
    static final int VERSION = 6;
    /** The oldest version that negotiates protocol steps (version 2 added SMFIC_OPTNEG's protocol mask). */
    static final int OLDEST_VERSION = 2;
    /** SMFIC_BODY chunks hold at most this much (MILTER_CHUNK_SIZE); larger ones need SMFIP_MDS_*, not offered. */
    static final int BODY_CHUNK = 65_535;

    // Commands, MTA to milter (SMFIC_*)
    static final byte ABORT = 'A';
    static final byte BODY = 'B';
    static final byte CONNECT = 'C';
    static final byte MACRO = 'D';
    static final byte BODYEOB = 'E';
    static final byte HELO = 'H';
    static final byte HEADER = 'L';
    static final byte MAIL = 'M';
    static final byte EOH = 'N';
    static final byte OPTNEG = 'O';
    static final byte QUIT = 'Q';
    static final byte RCPT = 'R';
    static final byte DATA = 'T';

    // Replies, milter to MTA (SMFIR_*)
    static final byte ADDRCPT = '+';
    static final byte DELRCPT = '-';
    static final byte ADDRCPT_PAR = '2';
    static final byte ACCEPT = 'a';
    static final byte REPLBODY = 'b';
    static final byte CONTINUE = 'c';
    static final byte DISCARD = 'd';
    static final byte CHGFROM = 'e';
    static final byte ADDHEADER = 'h';
    static final byte INSHEADER = 'i';
    static final byte CHGHEADER = 'm';
    static final byte PROGRESS = 'p';
    static final byte QUARANTINE = 'q';
    static final byte REJECT = 'r';
    static final byte SKIP = 's';
    static final byte TEMPFAIL = 't';
    static final byte REPLYCODE = 'y';

    // Actions a milter may take (SMFIF_*), offered in SMFIC_OPTNEG
    static final int ADDHDRS = 0x01;
    static final int CHGBODY = 0x02;
    static final int ADDRCPT_ACTION = 0x04;
    static final int DELRCPT_ACTION = 0x08;
    static final int CHGHDRS = 0x10;
    static final int QUARANTINE_ACTION = 0x20;
    static final int CHGFROM_ACTION = 0x40;
    static final int ADDRCPT_PAR_ACTION = 0x80;
    static final int SETSYMLIST = 0x100;
    /** Every action Carrier carries out. */
    static final int ACTIONS_OFFERED = 0x1ff;

    // Protocol steps a milter may leave out or not answer (SMFIP_*)
    static final int NOCONNECT = 0x1;
    static final int NOHELO = 0x2;
    static final int NOMAIL = 0x4;
    static final int NORCPT = 0x8;
    static final int NOBODY = 0x10;
    static final int NOHDRS = 0x20;
    static final int NOEOH = 0x40;
    static final int NR_HDR = 0x80;
    static final int NOUNKNOWN = 0x100;
    static final int NODATA = 0x200;
    static final int SKIP_FLAG = 0x400;
    static final int NR_CONN = 0x1000;
    static final int NR_HELO = 0x2000;
    static final int NR_MAIL = 0x4000;
    static final int NR_RCPT = 0x8000;
    static final int NR_DATA = 0x10000;
    static final int NR_EOH = 0x40000;
    static final int NR_BODY = 0x80000;
    static final int HDR_LEADSPC = 0x100000;
    /**
     * Every step Carrier can leave out, every "no reply" and SKIP and the header's leading space. Not offered:
     * SMFIP_RCPT_REJ (the SMTP server shows filters only the recipients it accepted), SMFIP_NR_UNKN (no unknown
     * commands are passed: Carrier has no filter stage for them, as if the milter had asked for SMFIP_NOUNKNOWN) and
     * the larger body chunks SMFIP_MDS_256K/1M.
     */
    static final int PROTOCOL_OFFERED = NOCONNECT | NOHELO | NOMAIL | NORCPT | NOBODY | NOHDRS | NOEOH | NR_HDR
            | NOUNKNOWN | NODATA | SKIP_FLAG | NR_CONN | NR_HELO | NR_MAIL | NR_RCPT | NR_DATA | NR_EOH | NR_BODY | HDR_LEADSPC;

    private Protocol() {
    }
}
