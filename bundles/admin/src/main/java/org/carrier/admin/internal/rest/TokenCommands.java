package org.carrier.admin.internal.rest;

import java.io.IOException;
import java.util.stream.Collectors;

import org.carrier.admin.internal.shell.CommandFailure;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code carrier:token create NAME} (prints the new token, once), {@code carrier:token list} and
 * {@code carrier:token revoke NAME}: the REST API's bearer tokens ({@link ApiTokens}).
 */
@Component(service = TokenCommands.class, property = {"osgi.command.scope=carrier", "osgi.command.function=token"})
public class TokenCommands {
    static final String USAGE = "usage: token create NAME | token list | token revoke NAME";
    private final ApiTokens tokens;

    @Activate
    public TokenCommands(@Reference ApiTokens tokens) {
        this.tokens = tokens;
    }

    public String token(String... args) throws IOException {
        String action = args.length == 0 ? "" : args[0];
        try {
            return switch (action) {
                case "create" -> tokens.create(name(args)) + "\n(shown only now: keep it; only its SHA-256 is stored)";
                case "revoke" -> {
                    String name = name(args);
                    if (!tokens.revoke(name)) {
                        throw new CommandFailure("no token named " + name);
                    }
                    yield "token " + name + " revoked";
                }
                case "list" -> args.length > 1 ? fail() : list();
                default -> fail();
            };
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage());
        }
    }

    private String list() throws IOException {
        return tokens.list().isEmpty() ? "no tokens: make one with token create NAME"
                : tokens.list().stream().map(e -> e.name() + "  created " + e.created()).collect(Collectors.joining("\n"));
    }

    private static String name(String[] args) {
        return args.length == 2 ? args[1] : fail();
    }

    private static String fail() {
        throw new CommandFailure(USAGE);
    }
}
