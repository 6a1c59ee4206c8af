package org.carrier.tools.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.apache.felix.framework.FrameworkFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.startlevel.BundleStartLevel;

/** The launcher's one step beyond Felix's: the administration's bundles get their later start level, in a real Felix. */
class LauncherTest {
    @TempDir
    Path folder;
    private Framework framework;

    @AfterEach
    void stop() throws Exception {
        if (framework != null) {
            framework.stop();
            framework.waitForStop(10_000);
        }
    }

    @Test
    void theNamedBundlesGetTheLaterLevelAndTheOthersKeepTheirs() throws Exception {
        Bundle admin = install("test.admin");
        Bundle mail = install("test.mail");

        Launcher.startAdministrationLater(config("test.admin, other.name", "3"), framework.getBundleContext());

        assertEquals(3, level(admin));
        assertEquals(2, level(mail));
    }

    @Test
    void aLevelTheFrameworkNeverReachesIsRefusedWithOneLine() throws Exception {
        Bundle admin = install("test.admin");
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Launcher.startAdministrationLater(config("test.admin", "4"), framework.getBundleContext());
            Launcher.startAdministrationLater(config("test.admin", "late"), framework.getBundleContext());
        } finally {
            System.setErr(err);
        }
        String lines = captured.toString(StandardCharsets.UTF_8);
        assertEquals(2, lines.lines().count(), lines);
        assertTrue(lines.contains("conf/felix.properties: carrier.startlevel.admin.level = 4: expected a whole number from 1 to 3"), lines);
        assertTrue(lines.contains("carrier.startlevel.admin.level = late:"), lines);
        assertEquals(2, level(admin), "it starts with the mail");
    }

    private Map<String, String> config(String names, String level) {
        Map<String, String> config = new HashMap<>();
        config.put(Launcher.ADMIN_BUNDLES, names);
        config.put(Launcher.ADMIN_LEVEL, level);
        config.put("org.osgi.framework.startlevel.beginning", "3");
        return config;
    }

    /** A bundle of that name at level 2, as Felix's launcher installs those of bundle/ (felix.startlevel.bundle). */
    private Bundle install(String symbolicName) throws Exception {
        if (framework == null) {
            framework = new FrameworkFactory().newFramework(Map.of("org.osgi.framework.storage", folder.resolve("cache").toString()));
            framework.init();
        }
        Bundle bundle = framework.getBundleContext().installBundle(jar(symbolicName).toUri().toString());
        bundle.adapt(BundleStartLevel.class).setStartLevel(2);
        return bundle;
    }

    private Path jar(String symbolicName) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", symbolicName);
        Path jar = folder.resolve(symbolicName + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            out.flush();
        }
        return jar;
    }

    private static int level(Bundle bundle) {
        return bundle.adapt(BundleStartLevel.class).getStartLevel();
    }
}
