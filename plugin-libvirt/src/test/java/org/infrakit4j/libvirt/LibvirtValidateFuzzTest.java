package org.infrakit4j.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.testkit.ValidateFuzzHarness;

/**
 * Validate under random and mutated Properties, sent through the real socket to a plugin on the real libvirtd:
 * every answer is success or an invalid-properties error naming a field path, never another kind, and libvirt is
 * never called (not even connected to).
 */
class LibvirtValidateFuzzTest {
    private static LibvirtInstancePlugin plugin;
    private static ValidateFuzzHarness fuzz;

    @BeforeContainer
    static void serve() throws Exception {
        fuzz = ValidateFuzzHarness.serve("libvirt", meter -> {
            plugin = new LibvirtInstancePlugin(LibvirtTestEnv.uri(), Map.of(), LibvirtTestEnv.pool(), meter);
            // Its sweeps list domains every 10 s (the first after 2 s): not Validate's calls, which are counted.
            plugin.reaper().close();
            return plugin;
        });
    }

    @AfterContainer
    static void close() throws Exception {
        if (fuzz != null) { // null when serving failed: that error is the one to report
            fuzz.close();
        }
    }

    @Example
    void theValidPropertiesAreValid() {
        for (String valid : LibvirtFuzzProperties.VALID) {
            fuzz.client().validate(new RawJson(valid));
        }
        fuzz.client().validate(plugin.exampleProperties());
        fuzz.assertNoBackendCall();
    }

    @Property(tries = 400)
    void anyJsonIsValidOrInvalidPropertiesAndNeverReachesLibvirt(@ForAll("trees") JsonNode properties) {
        fuzz.validate(properties.toString());
    }

    @Property(tries = 600)
    void mutatedPropertiesAreValidOrInvalidAndNeverReachLibvirt(@ForAll("mutated") String properties) {
        fuzz.validate(properties);
    }

    // Without jqwik's edge cases, which it mixes into every level of nested generators and which would crowd out
    // everything else.
    @Provide
    Arbitrary<JsonNode> trees() {
        return LibvirtFuzzProperties.FUZZ.trees(4).withoutEdgeCases();
    }

    @Provide
    Arbitrary<String> mutated() {
        return LibvirtFuzzProperties.FUZZ.mutated().withoutEdgeCases();
    }
}
