package org.infrakit4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The built-in logging: found by logback as a service, yielding to a user's file, switched by the flags. */
class LogDefaultsTest {
    private final LoggerContext ctx = new LoggerContext();
    private final String fileBefore = System.getProperty("logback.configurationFile");
    private final String modeBefore = System.getProperty(LogDefaults.PROPERTY);

    @AfterEach
    void restore() {
        restore("logback.configurationFile", fileBefore);
        restore(LogDefaults.PROPERTY, modeBefore);
        ctx.stop();
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    private Logger root() {
        return ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    private List<String> appenders() {
        List<String> names = new ArrayList<>();
        for (var it = root().iteratorForAppenders(); it.hasNext(); ) {
            Appender<?> a = it.next();
            assertThat(a).isInstanceOf(ConsoleAppender.class);
            assertThat(((ConsoleAppender<?>) a).getTarget()).isEqualTo("System.err");
            names.add(a.getName());
        }
        return names;
    }

    private ExecutionStatus configure() {
        LogDefaults defaults = new LogDefaults();
        defaults.setContext(ctx);
        return defaults.configure(ctx);
    }

    @Test
    void logbackFindsItAsAConfiguratorService() {
        List<String> found = new ArrayList<>();
        ServiceLoader.load(ch.qos.logback.classic.spi.Configurator.class)
                .forEach(c -> found.add(c.getClass().getName()));
        assertThat(found).contains(LogDefaults.class.getName());
    }

    @Test
    void builtInIsTextOnStderrAtInfoWithTheLibrariesAtWarn() {
        System.setProperty(LogDefaults.PROPERTY, LogDefaults.BUILT_IN);
        assertThat(configure()).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        assertThat(root().getLevel()).isEqualTo(Level.INFO);
        assertThat(ctx.getLogger("org.eclipse.jetty.server.Server").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(ctx.getLogger("software.amazon.awssdk").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(ctx.getLogger("org.infrakit4j.rpc.RpcDispatcher").getEffectiveLevel()).isEqualTo(Level.INFO);
        assertThat(appenders()).containsExactly("TEXT");
    }

    @Test
    void theFlagsThenPickTheFormatAndLevel() {
        System.setProperty(LogDefaults.PROPERTY, LogDefaults.BUILT_IN);
        configure();
        LogSetup.configure(ctx, "debug", "json");
        assertThat(appenders()).containsExactly("JSON");
        assertThat(root().getLevel()).isEqualTo(Level.DEBUG);
        assertThat(ctx.getLogger("org.eclipse.jetty").getLevel()).isEqualTo(Level.WARN);

        LoggerContext other = new LoggerContext();
        try {
            LogDefaults defaults = new LogDefaults();
            defaults.setContext(other);
            defaults.configure(other);
            LogSetup.configure(other, "warn", "text");
            Logger root = other.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            assertThat(root.getLevel()).isEqualTo(Level.WARN);
            assertThat(root.getAppender("TEXT")).isNotNull();
            assertThat(root.getAppender("JSON")).isNull();
        } finally {
            other.stop();
        }
    }

    @Test
    void aConfigurationFileOfTheUsersWins() {
        System.clearProperty(LogDefaults.PROPERTY);
        System.setProperty("logback.configurationFile", "/etc/infrakit4j/logback.xml");
        assertThat(configure()).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(appenders()).isEmpty();
        assertThat(root().getLevel()).isEqualTo(Level.DEBUG); // logback's own, untouched: the next configurator's
    }
}
