package org.infrakit4j.runtime;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The plugins' logging, configured in code (a logback {@link Configurator} service): stderr, text, root at info,
 * the libraries' chatter at warn; {@code --log-level} and {@code --log-format} then adjust it ({@link LogSetup}).
 *
 * <p>Why in code: reading an XML configuration costs a plugin 100–250 ms of its start-up (the XML parser's and
 * logback's model classes, several hundred of them), more than anything else before the socket appears.
 *
 * <p>A configuration of the user's still wins: {@code -Dlogback.configurationFile=...} (the launcher passes
 * {@code conf/logback.xml} when there is one), or a {@code logback-test.xml} or {@code logback.xml} on the class
 * path (tests). {@code -Dinfrakit4j.logging=built-in} keeps this one even then: the test kit starts plugin
 * processes with it, so they log as the distribution does although the tests' class path has its own file.
 */
public final class LogDefaults extends ContextAwareBase implements Configurator {
    /** Set to {@value #BUILT_IN} to use this configuration even where the class path holds a logback file. */
    public static final String PROPERTY = "infrakit4j.logging";
    public static final String BUILT_IN = "built-in";

    @Override
    public ExecutionStatus configure(LoggerContext ctx) {
        if (!BUILT_IN.equals(System.getProperty(PROPERTY)) && usersOwn()) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        LogSetup.defaults(ctx);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private static boolean usersOwn() {
        if (System.getProperty("logback.configurationFile") != null) {
            return true;
        }
        ClassLoader loader = LogDefaults.class.getClassLoader();
        return loader.getResource("logback-test.xml") != null || loader.getResource("logback.xml") != null;
    }
}
