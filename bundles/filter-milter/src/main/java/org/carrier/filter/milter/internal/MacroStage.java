package org.carrier.filter.milter.internal;

/**
 * The stages at which macros are sent (SMFIC_MACRO before the stage's command), with the index a milter names them
 * by in SMFIR_SETSYMLIST (SMFIM_*) and the command byte the macros precede.
 */
enum MacroStage {
    CONNECT(0, Protocol.CONNECT), HELO(1, Protocol.HELO), MAIL(2, Protocol.MAIL), RCPT(3, Protocol.RCPT),
    DATA(4, Protocol.DATA), EOM(5, Protocol.BODYEOB), EOH(6, Protocol.EOH);

    final int index;
    final byte command;

    MacroStage(int index, byte command) {
        this.index = index;
        this.command = command;
    }

    static MacroStage ofIndex(int index) {
        for (MacroStage s : values()) {
            if (s.index == index) {
                return s;
            }
        }
        return null;
    }
}
