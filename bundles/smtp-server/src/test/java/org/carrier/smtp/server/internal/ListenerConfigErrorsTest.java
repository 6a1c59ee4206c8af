package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.service.cm.ConfigurationException;

/** Listener settings of the wrong type, and a new port that cannot be bound. */
class ListenerConfigErrorsTest {

    /** A typed configuration as SCR makes it: an attribute whose text does not convert throws when it is read. */
    private static ListenerComponent.Config unconvertible(String attribute) {
        return (ListenerComponent.Config) Proxy.newProxyInstance(ListenerConfigErrorsTest.class.getClassLoader(),
                new Class<?>[] {ListenerComponent.Config.class}, (proxy, method, args) -> {
                    if (method.getName().equals(attribute)) {
                        throw new IllegalArgumentException("For input string: \"abc\"");
                    }
                    return method.getDefaultValue();
                });
    }

    @Test
    void aPortThatIsNotANumberNamesTheKeyTheValueAndWhatIsExpected() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> ListenerComponent.settings(unconvertible("port"), Map.of("port", "abc")));
        assertEquals("port", e.getProperty());
        assertEquals("\"abc\" is not a whole number", e.getReason());
    }

    @Test
    void aFailedRebindKeepsTheOldSocketAndGoingBackToItIsNoChange() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        ListenerSettings onOwnPort = TestSettings.of("port", port);
        try (SmtpListener listener = new SmtpListener(onOwnPort, new TestServices());
             ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            IOException inUse = assertThrows(IOException.class, () -> listener.update(TestSettings.of("port", taken.getLocalPort())));
            assertTrue(inUse.getMessage().contains("cannot listen on 127.0.0.1:" + taken.getLocalPort()), inUse.getMessage());
            listener.update(onOwnPort); // before the fix: "Address already in use", as the failed settings were kept
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(5_000);
                assertTrue(Clients.readLine(s.getInputStream()).startsWith("220"));
            }
        }
    }
}
