package org.infrakit4j.aws;

import com.fasterxml.jackson.databind.JsonNode;
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
 * Validate under random and mutated Properties, sent through the real socket: every answer is success or an
 * invalid-properties error naming a field path, never another kind, and EC2 is never called.
 */
class Ec2ValidateFuzzTest {
    private static ValidateFuzzHarness fuzz;

    @BeforeContainer
    static void serve() throws Exception {
        fuzz = ValidateFuzzHarness.serve("EC2", meter -> Ec2Emulator.plugin(Ec2Emulator.config(), meter));
    }

    @AfterContainer
    static void close() throws Exception {
        if (fuzz != null) { // null when serving failed: that error is the one to report
            fuzz.close();
        }
    }

    @Example
    void theValidPropertiesAreValid() {
        for (String valid : Ec2FuzzProperties.VALID) {
            fuzz.client().validate(new RawJson(valid));
        }
        fuzz.assertNoBackendCall();
    }

    @Property(tries = 400)
    void anyJsonIsValidOrInvalidPropertiesAndNeverReachesEc2(@ForAll("trees") JsonNode properties) {
        fuzz.validate(properties.toString());
    }

    @Property(tries = 600)
    void mutatedPropertiesAreValidOrInvalidAndNeverReachEc2(@ForAll("mutated") String properties) {
        fuzz.validate(properties);
    }

    // Without jqwik's edge cases, which it mixes into every level of nested generators and which would crowd out
    // everything else.
    @Provide
    Arbitrary<JsonNode> trees() {
        return Ec2FuzzProperties.FUZZ.trees(4).withoutEdgeCases();
    }

    @Provide
    Arbitrary<String> mutated() {
        return Ec2FuzzProperties.FUZZ.mutated().withoutEdgeCases();
    }
}
