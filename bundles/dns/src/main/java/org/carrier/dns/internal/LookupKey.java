package org.carrier.dns.internal;

import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/** One question: a name and a record type (the class is always IN). */
record LookupKey(Name name, int type) {
    @Override
    public String toString() {
        return name + " " + Type.string(type);
    }
}
