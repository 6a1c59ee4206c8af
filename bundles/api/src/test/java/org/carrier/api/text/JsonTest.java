package org.carrier.api.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void stringsAreEscapedSoTheyCannotBreakOutOfTheAnswer() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\n</script><b>&\u0001");
        m.put("n", 3);
        m.put("list", Arrays.asList(true, null, "x"));
        assertEquals("{\"s\":\"a\\\"b\\\\c\\n\\u003c/script\\u003e\\u003cb\\u003e\\u0026\\u0001\",\"n\":3,\"list\":[true,null,\"x\"]}",
                Json.write(m));
    }

    @Test
    void whatIsWrittenIsReadBackInTheSameShapes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\n</script>\u00e9\u0001");
        m.put("n", 3L);
        m.put("d", -1.5e3);
        m.put("list", Arrays.asList(true, false, null, "x", List.of()));
        m.put("o", Map.of());
        assertEquals(m, Json.parse(Json.write(m)));
        assertEquals(List.of(1L, "\u00e9"), Json.parse(" [1 , \"\\u00e9\"]\r\n"));
    }

    @Test
    void malformedTextIsRefusedNamingWhatWasExpectedAndWhere() {
        assertEquals("not JSON: expected a member name in double quotes at character 1",
                assertThrows(Json.Malformed.class, () -> Json.parse("{sender: 1}")).getMessage());
        assertEquals("not JSON: expected a value at character 0 (the end of the text)",
                assertThrows(Json.Malformed.class, () -> Json.parse("")).getMessage());
        assertEquals("not JSON: expected the end of the text after the value at character 3",
                assertThrows(Json.Malformed.class, () -> Json.parse("{} x")).getMessage());
        assertTrue(assertThrows(Json.Malformed.class, () -> Json.parse("{\"a\":1,\"a\":2}")).getMessage().contains("no second member named \"a\""));
        assertThrows(Json.Malformed.class, () -> Json.parse("[1,]"));
        assertThrows(Json.Malformed.class, () -> Json.parse("\"tab\there\""));
        assertThrows(Json.Malformed.class, () -> Json.parse("01"));
        assertThrows(Json.Malformed.class, () -> Json.parse("[".repeat(Json.MAX_DEPTH + 2)));
    }
}
