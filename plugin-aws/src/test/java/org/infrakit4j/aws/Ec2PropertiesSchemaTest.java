package org.infrakit4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.infrakit4j.runtime.PropertiesSchema;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.testkit.SchemaChecks;
import org.junit.jupiter.api.Test;

/**
 * The Properties JSON Schema, derived from {@link Ec2Properties}: what the plugin accepts conforms to it, what it
 * calls required and the values it lists agree with the records, and {@code --properties-schema} prints it.
 */
class Ec2PropertiesSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Properties the plugin accepts, with every nested record present. */
    private static final String FULL = "{\"ImageId\":\"ami-0abc\",\"InstanceType\":\"t3.micro\",\"KeyName\":\"ops\","
            + "\"SubnetId\":\"subnet-0abc\",\"SecurityGroupIds\":[\"sg-0abc\"],\"IamInstanceProfile\":{\"Name\":\"web\"},"
            + "\"BlockDeviceMappings\":[{\"DeviceName\":\"/dev/sda1\",\"Ebs\":{\"VolumeSize\":8,\"VolumeType\":\"gp3\","
            + "\"SnapshotId\":\"snap-0abc\",\"DeleteOnTermination\":true,\"Iops\":3000,\"Throughput\":125,"
            + "\"Encrypted\":false,\"KmsKeyId\":\"k\"}}],\"EbsOptimized\":true,\"Monitoring\":{\"Enabled\":true},"
            + "\"Placement\":{\"AvailabilityZone\":\"us-east-1a\",\"Tenancy\":\"default\",\"GroupName\":\"g\","
            + "\"PartitionNumber\":1},\"PrivateIpAddress\":\"10.0.0.9\",\"MetadataOptions\":{\"HttpTokens\":\"required\","
            + "\"HttpPutResponseHopLimit\":2,\"HttpEndpoint\":\"enabled\",\"HttpProtocolIpv6\":\"disabled\","
            + "\"InstanceMetadataTags\":\"enabled\"},\"InstanceMarketOptions\":{\"MarketType\":\"spot\",\"SpotOptions\":"
            + "{\"MaxPrice\":\"0.05\",\"SpotInstanceType\":\"one-time\",\"InstanceInterruptionBehavior\":\"terminate\","
            + "\"ValidUntil\":\"2030-01-01T00:00:00Z\"}},\"CreditSpecification\":{\"CpuCredits\":\"unlimited\"},"
            + "\"TagSpecifications\":[{\"ResourceType\":\"volume\",\"Tags\":[{\"Key\":\"a\",\"Value\":\"b\"}]}],"
            + "\"Tags\":{\"project\":\"demo\"},\"Attachment\":{\"DeviceNames\":[\"/dev/sdf\",\"/dev/xvdg\"]}}";

    private final JsonNode schema = PropertiesSchema.of(Ec2Properties.class);

    @Test
    void propertiesThePluginAcceptsConformToTheSchema() throws Exception {
        for (String accepted : List.of(FULL, Ec2InstancePlugin.EXAMPLE.json())) {
            Ec2PropertiesDecoder.ours(new RawJson(accepted));
            assertThat(PropertiesSchema.violations(schema, JSON.readTree(accepted))).as(accepted).isEmpty();
        }
        assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
        assertThat(schema.path("title").asText()).isEqualTo("infrakit4j instance-aws Properties");
    }

    @Test
    void whatTheSchemaRequiresTheRecordsRequire() throws Exception {
        assertThat(schema.path("required").toString()).isEqualTo("[\"ImageId\",\"InstanceType\"]");
        for (JsonNode name : schema.path("required")) {
            ObjectNode without = (ObjectNode) JSON.readTree(FULL);
            without.remove(name.asText());
            assertThatThrownBy(() -> Ec2PropertiesDecoder.ours(new RawJson(without.toString())))
                    .hasMessageContaining("Properties." + name.asText() + ": is required");
            assertThat(PropertiesSchema.violations(schema, without)).containsExactly("(top): " + name.asText()
                    + " is required");
        }
        assertThat(schema.at("/properties/InstanceMarketOptions/required").toString()).isEqualTo("[\"MarketType\"]");
        assertThat(schema.at("/properties/BlockDeviceMappings/items/required").toString())
                .isEqualTo("[\"DeviceName\"]");
    }

    @Test
    void everyListedValueIsAcceptedAndTheBoundsAreTheRecords() throws Exception {
        Map<String, String> enums = Map.of(
                "/properties/Placement/properties/Tenancy", "/Placement/Tenancy",
                "/properties/MetadataOptions/properties/HttpTokens", "/MetadataOptions/HttpTokens",
                "/properties/CreditSpecification/properties/CpuCredits", "/CreditSpecification/CpuCredits");
        for (Map.Entry<String, String> e : enums.entrySet()) {
            JsonNode values = schema.at(e.getKey() + "/enum");
            assertThat(values.size()).as(e.getKey()).isGreaterThan(1);
            for (JsonNode value : values) {
                ObjectNode p = (ObjectNode) JSON.readTree(FULL);
                String[] at = e.getValue().substring(1).split("/");
                ((ObjectNode) p.get(at[0])).set(at[1], value);
                Ec2PropertiesDecoder.ours(new RawJson(p.toString()));
            }
        }
        JsonNode size = schema.at("/properties/BlockDeviceMappings/items/properties/Ebs/properties/VolumeSize");
        assertThat(size.toString()).contains("\"minimum\":1", "\"maximum\":65536");
        assertThatThrownBy(() -> Ec2PropertiesDecoder.ours(new RawJson(FULL.replace("\"VolumeSize\":8",
                "\"VolumeSize\":65537")))).hasMessageContaining("VolumeSize: must be 1 to 65536");
        assertThatThrownBy(() -> Ec2PropertiesDecoder.ours(new RawJson(FULL.replace("ami-0abc", "img-0abc"))))
                .hasMessageContaining("ImageId: must be an id starting with ami-");
        assertThat(PropertiesSchema.violations(schema, JSON.readTree(FULL.replace("ami-0abc", "img-0abc"))))
                .containsExactly("ImageId: \"img-0abc\" does not match ^ami-.");
    }

    @Test
    void thePropertiesSchemaFlagPrintsTheSchemaAndExitsZeroTouchingNothing() throws Exception {
        // a backend where nothing listens: printing must not need it, nor the plugins directory
        SchemaChecks.printsTheSchemaAlone(Ec2Main.class, schema, "--region", "us-east-1", "--endpoint", "http://127.0.0.1:9");
    }

}
