package org.carrier.admin.internal.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.carrier.admin.internal.overview.Setting;
import org.carrier.admin.internal.overview.SettingSources;
import org.carrier.admin.internal.overview.Settings;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.MetaTypeService;

/**
 * {@code carrier:config}: every Carrier setting in force as {@code pid key = value}, Postfix's {@code postconf};
 * {@code -n} only those that differ from their defaults, {@code -d} the defaults; secrets masked.
 */
@Component(service = ConfigCommand.class, property = {"osgi.command.scope=carrier", "osgi.command.function=config"})
public class ConfigCommand {
    static final String USAGE = """
            usage: carrier:config [-n | -d] [PID ...]
              (none)  every setting in force: pid key = value (keys not set show their defaults)
              -n      only the settings that differ from their defaults
              -d      the defaults (a factory's under its factory PID)
              PID     only this PID and those under it (PID.* and PID~*: a factory PID selects its configurations)
            Secrets (passwords) are shown as ********.""";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile ConfigurationAdmin configAdmin;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile MetaTypeService metaType;
    private BundleContext context;

    @Activate
    void activate(BundleContext bundleContext) {
        context = bundleContext;
    }

    /** The dump; see {@link #USAGE}. */
    public String config(String... arguments) {
        ConfigurationAdmin admin = configAdmin;
        MetaTypeService types = metaType;
        if (admin == null || types == null) {
            throw new CommandFailure("ConfigAdmin or the MetaType service is not running");
        }
        Request request = Request.parse(arguments);
        if (request.help()) {
            return USAGE;
        }
        List<Setting> settings = SettingSources.settings(request.view(), context, admin, types);
        return text(settings.stream().filter(s -> request.selects(s.pid())).toList());
    }

    /**
     * One line a setting, {@code pid key = value}, as Postfix's {@code postconf} prints {@code key = value}; without a
     * line break after the last (the shell ends what a command returns with one).
     */
    static String text(List<Setting> settings) {
        return settings.stream().map(s -> s.pid() + " " + s.key() + " = " + s.shownValue()).collect(Collectors.joining("\n"));
    }

    /** The parsed arguments: the mode ({@code ' '}: in force, {@code 'n'}, {@code 'd'}) and the PIDs asked for. */
    record Request(char mode, List<String> pids, boolean help) {
        Settings.View view() {
            return mode == 'n' ? Settings.View.CHANGED : mode == 'd' ? Settings.View.DEFAULTS : Settings.View.IN_FORCE;
        }

        static Request parse(String... arguments) {
            char mode = ' ';
            List<String> pids = new ArrayList<>();
            for (String argument : arguments) {
                switch (argument) {
                    case "-h", "--help" -> {
                        return new Request(mode, pids, true);
                    }
                    case "-n", "-d" -> {
                        if (mode != ' ' && mode != argument.charAt(1)) {
                            throw new CommandFailure("-n and -d exclude each other\n" + USAGE);
                        }
                        mode = argument.charAt(1);
                    }
                    default -> {
                        if (argument.startsWith("-")) {
                            throw new CommandFailure("unknown option " + argument + "\n" + USAGE);
                        }
                        pids.add(argument);
                    }
                }
            }
            return new Request(mode, List.copyOf(pids), false);
        }

        /** A PID asked for, or a configuration of a factory PID asked for ({@code FACTORY~NAME}, FileInstall's form). */
        boolean selects(String pid) {
            return pids.isEmpty() || pids.stream().anyMatch(p -> pid.equals(p) || pid.startsWith(p + "~") || pid.startsWith(p + "."));
        }
    }
}
