package org.infrakit4j.rpc;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Someone calling plugins from Java depends on this module alone: it must not bring a logging backend or a
 * command-line parser with it (those belong to the runtime module, which plugin processes use).
 */
class ClientOnlyDependenciesTest {
    @ParameterizedTest
    @ValueSource(strings = {"ch.qos.logback.classic.Logger", "picocli.CommandLine",
        "org.infrakit4j.runtime.PluginLauncher"})
    void theWireModuleDoesNotBring(String className) {
        assertThatThrownBy(() -> Class.forName(className)).isInstanceOf(ClassNotFoundException.class);
    }
}
