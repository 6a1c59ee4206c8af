package org.carrier.api.message;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class AddressListTest {

    @Test
    void mailboxesOfEveryForm() {
        assertEquals(List.of("a@example.org", "b@example.org", "j@example.org", "c@example.org", "d@example.org", "e@example.org"),
                AddressList.addresses("Ann <a@example.org>, b@example.org (Bob, at work), \"Doe, J\" <j@example.org>,"
                        + " team: c@example.org, Dee <d@example.org>;, e@example.org"));
    }

    @Test
    void quotedLocalPartsAndEmptyGroups() {
        assertEquals(List.of("\"john doe\"@example.org"), AddressList.addresses("\"john doe\"@example.org"));
        assertEquals(List.of(), AddressList.addresses("undisclosed-recipients:;"));
        assertEquals(List.of("x@example.org"), AddressList.addresses("  \"Quote <not@this>\" <x@example.org>  "));
    }
}
