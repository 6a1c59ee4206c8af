package org.carrier.api.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

class ConfigListsTest {
    @Test
    void emptyElementsAreIgnoredAndSpaceAroundElementsToo() {
        assertEquals(List.of("localhost", "example.com"), ConfigLists.domains("localDomains", " localhost, ,,Example.COM, "));
        assertEquals(List.of(), ConfigLists.domains("localDomains", ""));
        assertEquals(List.of(), ConfigLists.domains("localDomains", (String) null));
        assertEquals(List.of("example.com"), ConfigLists.domains("localDomains", "example.com."));
    }

    @Test
    void aSpaceInsideAnElementIsRefusedWithTheKeyNamed() {
        ConfigProblem e = assertThrows(ConfigProblem.class, () -> ConfigLists.domains("localDomains", "exa mple, ,,"));
        assertEquals("localDomains", e.key());
        assertEquals("exa mple", e.value());
        assertEquals("localDomains = \"exa mple\": white space inside an element (separate them with commas)", e.getMessage());
    }

    @Test
    void anElementThatIsNotADomainIsRefused() {
        assertEquals("virtualDomains = \"bad..example\": not a domain",
                assertThrows(ConfigProblem.class, () -> ConfigLists.domains("virtualDomains", "ok.example, bad..example")).getMessage());
        assertThrows(ConfigProblem.class, () -> ConfigLists.domains("d", "a_b.example, -x.example"));
        assertThrows(ConfigProblem.class, () -> ConfigLists.domains("d", "*.example"));
        assertEquals(List.of("xn--bcher-kva.example"), ConfigLists.domains("d", "bücher.example"));
    }

    @Test
    void routePatternsAreDomainsSubdomainWildcardsOrEverything() {
        assertEquals(List.of("example.org", "*.example.org", "*"), ConfigLists.domainPatterns("domains", "Example.org, *.example.org, *"));
        assertEquals("domains = \"a*.example\": not a domain, *.domain or *",
                assertThrows(ConfigProblem.class, () -> ConfigLists.domainPatterns("domains", "a*.example")).getMessage());
        assertThrows(ConfigProblem.class, () -> ConfigLists.domainPatterns("domains", "*."));
    }

    @Test
    void namesAreTakenAsWritten() {
        assertEquals(List.of("alice", "Bob"), ConfigLists.names("localUsers", "alice,, Bob"));
        assertThrows(ConfigProblem.class, () -> ConfigLists.names("localUsers", "alice bob"));
    }

    @Test
    void aStringArraySettingIsOneListWhetherAFileGaveOneValueWithCommasOrTheConsoleOneValuePerField() {
        List<String> expected = List.of("a.example", "b.example", "c.example");
        assertEquals(expected, ConfigLists.domains("localDomains", new String[] {"a.example, b.example,c.example"}));
        assertEquals(expected, ConfigLists.domains("localDomains", new String[] {"a.example", " b.example ", "", "c.example,"}));
        assertEquals(List.of(), ConfigLists.names("n", (String[]) null));
        assertEquals("localDomains = \"exa mple\": white space inside an element (separate them with commas)",
                assertThrows(ConfigProblem.class, () -> ConfigLists.domains("localDomains", new String[] {"a.example", "exa mple"})).getMessage());
        assertEquals(List.of("*.example.org"), ConfigLists.domainPatterns("domains", new String[] {"*.Example.org"}));
    }

    @Test
    void wordsAreSeparatedByWhiteSpaceOnlySoAnElementKeepsItsCommas() {
        assertEquals(List.of("zen.example=127.0.0.2,127.0.0.4", "bl.example*2", "third.example"),
                ConfigLists.words(" zen.example=127.0.0.2,127.0.0.4  bl.example*2", "", "third.example "));
        assertEquals(List.of(), ConfigLists.words((String[]) null));
    }
}
