package org.carrier.api.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class FilterSettingsTest {
    @Test
    void theTagHeaderIsAHeaderFieldNameOrTheDefault() {
        assertEquals("X-Spam-Flag", FilterSettings.tagHeader(" X-Spam-Flag "));
        assertEquals(FilterSettings.DEFAULT_TAG_HEADER, FilterSettings.tagHeader(""));
        assertEquals(FilterSettings.DEFAULT_TAG_HEADER, FilterSettings.tagHeader(null));
        assertEquals("tagHeader: invalid header field name: X Policy",
                assertThrows(IllegalArgumentException.class, () -> FilterSettings.tagHeader("X Policy")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> FilterSettings.tagHeader("X-Policy:"));
    }

    @Test
    void aBadTagHeaderKeepsTheNameInForceAndSaysSo() {
        List<String> problems = new ArrayList<>();
        assertEquals("X-Old", FilterSettings.tagHeader("X Bad", "X-Old", problems::add));
        assertEquals(FilterSettings.DEFAULT_TAG_HEADER, FilterSettings.tagHeader("X Bad", null, problems::add));
        assertEquals("X-New", FilterSettings.tagHeader("X-New", "X-Old", problems::add));
        assertEquals(List.of("tagHeader: invalid header field name: X Bad; tagging with X-Old",
                "tagHeader: invalid header field name: X Bad; tagging with X-Carrier-Policy"), problems);
    }
}
