package org.infrakit4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.PluginHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Subnet;

/**
 * Every AWS Properties example of InfraKit's repository at f9e924e7 (test resources reference/aws, see its README),
 * sent to our plugin through the real socket under the type the example names ({@code instance-aws/ec2-instance}
 * or {@code ec2-spot-instance}), on the EC2 emulator: it validates, it provisions, and Describe shows what it asked
 * for. Adapted only where an example names what cannot exist here: the AMI (the emulator knows only its own
 * catalogue), subnets, security groups and zones of another account or region (the emulator's default VPC's are
 * used), and the templates' variables (rendered with plausible values below).
 */
class Ec2ReferenceExamplesTest {
    private static final String GROUP = "reference-examples";
    private Ec2Client admin;
    private Ec2InstancePlugin plugin;
    private PluginHarness harness;
    private String ami;
    private Subnet subnet;
    private String securityGroup;

    @BeforeEach
    void start() throws Exception {
        Ec2Emulator.reset();
        admin = Ec2Emulator.client();
        ami = Ec2Emulator.imageId(admin);
        subnet = admin.describeSubnets().subnets().stream().filter(s -> s.availabilityZone().equals("us-east-1a"))
                .findFirst().orElseThrow();
        securityGroup = admin.describeSecurityGroups().securityGroups().get(0).groupId();
        plugin = Ec2Emulator.plugin(Ec2Emulator.config());
        harness = PluginHarness.serve(Ec2SubTypePlugin.byType(plugin), 4 << 20, Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
        plugin.close();
        admin.close();
    }

    private InstancePluginClient client(String type) {
        return InstancePluginClient.connect(harness.socket(), type, Duration.ofSeconds(30));
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = Ec2ReferenceExamplesTest.class.getResourceAsStream("/reference/aws/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource reference/aws/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Renders a Go template's expressions: each {@code {{ ... }}} whose text contains a key becomes its value. */
    private static String render(String template, Map<String, String> values) {
        String t = template.replaceAll("(?m)^\\{\\{/\\*.*\\*/\\}\\}\\s*$", "")
                .replaceAll("(?m)^\\{\\{ \\$\\w+ :=.*\\}\\}\\s*$", "");
        Matcher m = Pattern.compile("\\{\\{(.*?)\\}\\}").matcher(t);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String expr = m.group(1);
            String value = values.entrySet().stream().filter(e -> expr.contains(e.getKey())).map(Map.Entry::getValue)
                    .findFirst().orElseThrow(() -> new AssertionError("no value for {{" + expr + "}}"));
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** YAML as Go's yaml.v2 read it into InfraKit's Any: a date stays a string. */
    private static JsonNode yaml(String text) {
        org.yaml.snakeyaml.resolver.Resolver noTimestamps = new org.yaml.snakeyaml.resolver.Resolver() {
            @Override
            public void addImplicitResolver(org.yaml.snakeyaml.nodes.Tag tag, Pattern regexp, String first, int limit) {
                if (!org.yaml.snakeyaml.nodes.Tag.TIMESTAMP.equals(tag)) {
                    super.addImplicitResolver(tag, regexp, first, limit);
                }
            }
        };
        org.yaml.snakeyaml.LoaderOptions options = new org.yaml.snakeyaml.LoaderOptions();
        org.yaml.snakeyaml.DumperOptions dumper = new org.yaml.snakeyaml.DumperOptions();
        Object tree = new Yaml(new org.yaml.snakeyaml.constructor.SafeConstructor(options),
                new org.yaml.snakeyaml.representer.Representer(dumper), dumper, options, noTimestamps).load(text);
        return Ec2Json.MAPPER.valueToTree(tree);
    }

    private Instance ec2(InstanceId id) {
        return admin.describeInstances(r -> r.instanceIds(id.value())).reservations().get(0).instances().get(0);
    }

    private Description described(InstancePluginClient client, InstanceId id) {
        return client.describeInstances(Map.of("infrakit.group", GROUP), true).stream()
                .filter(d -> d.id().equals(id)).findFirst().orElseThrow(() -> new AssertionError(id + " not described"));
    }

    private static Map<String, String> groupTags() {
        return Map.of("infrakit.group", GROUP);
    }

    @Test
    void theReadmeGroupsInstancePropertiesProvisionUnderEc2Instance() throws Exception {
        JsonNode group = Ec2Json.MAPPER.readTree(resource("pkg_provider_aws_README.md_aws-vanilla.json"));
        assertThat(group.at("/Properties/Instance/Plugin").asText()).isEqualTo("instance-aws/ec2-instance");
        // Adapted: the emulator's AMI, security group and a zone of its region (us-east-1) for the README's own.
        String properties = group.at("/Properties/Instance/Properties").toString()
                .replace("ami-4926fd29", ami).replace("sg-57411931", securityGroup).replace("us-west-2a", "us-east-1b");
        try (InstancePluginClient client = client("ec2-instance")) {
            client.validate(new RawJson(properties));
            InstanceId id = client.provision(Spec.of(new RawJson(properties), groupTags())
                    .withInit("sh -c \"echo 'Hello, World!' > /hello\""));
            Description d = described(client, id);
            assertThat(d.tags()).containsEntry("Name", "infrakit-example").containsEntry("infrakit.group", GROUP);
            Instance i = ec2(id);
            assertThat(i.imageId()).isEqualTo(ami);
            assertThat(i.keyName()).isEqualTo("bill-laptop");
            assertThat(i.placement().availabilityZone()).isEqualTo("us-east-1b");
            assertThat(i.securityGroups()).anySatisfy(g -> assertThat(g.groupId()).isEqualTo(securityGroup));
            assertThat(d.properties().json()).contains("\"ImageId\":\"" + ami + "\"", "\"KeyName\":\"bill-laptop\"");
        }
    }

    @Test
    void theReadmesPropertiesSkeletonIsRefusedForItsMissingImageId() throws Exception {
        String skeleton = resource("pkg_provider_aws_README.md_plugin-properties.json");
        try (InstancePluginClient client = client("ec2-instance")) {
            assertThatThrownBy(() -> client.validate(new RawJson(skeleton)))
                    .isInstanceOfSatisfying(InstanceException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES);
                        assertThat(e.getMessage()).endsWith("Properties.RunInstancesInput.ImageId: is required");
                    });
        }
    }

    @Test
    void theGoPluginsExamplePropertiesValidateOnceTheyNameAnImage() throws Exception {
        // As returned, both examples leave ImageId null: nothing can launch from them, so Validate says so.
        String instance = resource("pkg_provider_aws_plugin_instance_ec2_instance.go_ExampleProperties.json");
        String spot = resource("pkg_provider_aws_plugin_instance_ec2_spot_instance.go_ExampleProperties.json");
        try (InstancePluginClient ec2Instance = client("ec2-instance");
             InstancePluginClient ec2Spot = client("ec2-spot-instance")) {
            assertThatThrownBy(() -> ec2Instance.validate(new RawJson(instance)))
                    .hasMessageEndingWith("Properties.RunInstancesInput.ImageId: is required");
            assertThatThrownBy(() -> ec2Spot.validate(new RawJson(spot)))
                    .hasMessageEndingWith("Properties.RequestSpotInstancesInput.LaunchSpecification.ImageId: is required");
            // Adapted: an image, and an EBS size for the /dev/sdh mapping (EC2 refuses a mapping with nothing in it).
            String withImage = instance.replace("\"ImageId\": null", "\"ImageId\": \"" + ami + "\"");
            String launchable = withImage.replace("\"Ebs\": null", "\"Ebs\": {\"VolumeSize\": 1}");
            ec2Instance.validate(new RawJson(withImage));
            InstanceId id = ec2Instance.provision(Spec.of(new RawJson(launchable), groupTags()));
            assertThat(described(ec2Instance, id).tags()).containsEntry("tag1", "value1").containsEntry("tag2", "value2");
            assertThat(ec2(id).blockDeviceMappings()).anySatisfy(m -> assertThat(m.deviceName()).isEqualTo("/dev/sdh"));

            String spotLaunchable = spot.replace("\"ImageId\": null", "\"ImageId\": \"" + ami + "\"")
                    .replace("\"Ebs\": null", "\"Ebs\": {\"VolumeSize\": 1}");
            ec2Spot.validate(new RawJson(spotLaunchable));
            InstanceId spotId = ec2Spot.provision(Spec.of(new RawJson(spotLaunchable), groupTags()));
            assertThat(spotId.value()).as("the instance id, not a spot request's").startsWith("i-");
            assertThat(ec2(spotId).instanceLifecycleAsString()).isEqualTo("spot");
            assertThat(described(ec2Spot, spotId).tags()).containsEntry("tag1", "value1");
        }
    }

    @Test
    void thePlaybooksGroupTemplateRendersAndProvisions() throws Exception {
        // Rendered with plausible values, as `infrakit playbook` would after its prompts.
        String rendered = render(resource("docs_playbooks_intro_aws_provision-group.yml"), Map.of(
                "$size", "2", "$groupName", GROUP, "$az", "us-east-1a", "$image", ami, "$instanceType", "t2.micro",
                "$sshKey", "ops-key", "$project", "myproject", "$SecurityGroupId", "", ". ", securityGroup,
                "end", ""));
        rendered = rendered.replaceAll("(?m)^\\s*\\n", "");
        JsonNode group = yaml(rendered).get(0);
        assertThat(group.at("/Properties/Properties/Instance/Plugin").asText()).isEqualTo("instance-aws/ec2-instance");
        String properties = group.at("/Properties/Properties/Instance/Properties").toString();
        try (InstancePluginClient client = client("ec2-instance")) {
            client.validate(new RawJson(properties));
            InstanceId id = client.provision(Spec.of(new RawJson(properties), groupTags()));
            Instance i = ec2(id);
            assertThat(i.instanceTypeAsString()).isEqualTo("t2.micro");
            assertThat(i.placement().availabilityZone()).isEqualTo("us-east-1a");
            assertThat(i.keyName()).isEqualTo("ops-key");
            assertThat(described(client, id).tags()).containsEntry("Name", GROUP);
        }
    }

    private Map<String, String> instanceTemplateValues(String privateIp) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("$user", "alice");
        v.put("$name", "web-1");
        v.put("now", "2017-09-30");
        v.put("$imageId", ami);
        v.put("$instanceType", "t2.micro");
        v.put("$privateIP", privateIp);
        v.put("$keyName", "ops-key");
        v.put("$az", subnet.availabilityZone());
        v.put("$subnetId", subnet.subnetId());
        v.put("$securityGroupId", securityGroup);
        return v;
    }

    /** The instance spec of a rendered provision-instance template: Tags, Init and Properties. */
    private Spec spec(JsonNode doc) {
        Map<String, String> tags = new LinkedHashMap<>(groupTags());
        doc.get("Tags").fields().forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
        return Spec.of(new RawJson(doc.get("Properties").toString()), tags).withInit(doc.get("Init").asText());
    }

    @Test
    void thePlaybooksInstanceTemplateProvisionsWithItsInterfacePrivateIpAndUserData() throws Exception {
        JsonNode doc = yaml(render(resource("docs_playbooks_intro_aws_provision-instance.ikt"),
                instanceTemplateValues("172.31.0.50")));
        Spec spec = spec(doc);
        try (InstancePluginClient client = client("ec2-instance")) {
            client.validate(spec.properties());
            InstanceId id = client.provision(spec);
            Instance i = ec2(id);
            assertThat(i.privateIpAddress()).isEqualTo("172.31.0.50");
            assertThat(i.subnetId()).isEqualTo(subnet.subnetId());
            assertThat(i.keyName()).isEqualTo("ops-key");
            assertThat(described(client, id).tags()).containsEntry("infrakit.user", "alice")
                    .containsEntry("infrakit.created", "2017-09-30");
            String userData = new String(Base64.getDecoder().decode(admin.describeInstanceAttribute(r -> r
                    .instanceId(id.value()).attribute("userData")).userData().value()), StandardCharsets.UTF_8);
            assertThat(userData).startsWith("#!/bin/bash\n").contains("get.docker.com");

            // The LogicalID rule: an IP LogicalID is the first interface's private IP (rendered without one).
            JsonNode noIp = yaml(render(resource("docs_playbooks_intro_aws_provision-instance.ikt"),
                    instanceTemplateValues("")));
            InstanceId pet = client.provision(spec(noIp).withLogicalId("172.31.0.61"));
            assertThat(ec2(pet).privateIpAddress()).isEqualTo("172.31.0.61");
            assertThat(described(client, pet).logicalId()).contains("172.31.0.61");
            assertThatThrownBy(() -> client.provision(spec.withLogicalId("172.31.0.62")))
                    .hasMessageEndingWith("Properties.NetworkInterfaces[0].PrivateIpAddress: is 172.31.0.50 but the "
                            + "LogicalID asks for 172.31.0.62");
        }
    }

    @Test
    void theCliExampleProvisionsAsItsHeredocAsks() throws Exception {
        String script = resource("examples_cli_aws_provision-instance.ikc");
        assertThat(script).contains("--name instance-aws/ec2-instance instance provision");
        String heredoc = script.substring(script.indexOf("<<EOF") + 5, script.lastIndexOf("EOF"));
        Spec spec = spec(yaml(render(heredoc, instanceTemplateValues(""))));
        try (InstancePluginClient client = client("ec2-instance")) {
            client.validate(spec.properties());
            InstanceId id = client.provision(spec);
            Instance i = ec2(id);
            assertThat(i.subnetId()).isEqualTo(subnet.subnetId());
            assertThat(described(client, id).tags()).containsEntry("infrakit.name", "web-1")
                    .containsEntry("infrakit.user", "alice");
        }
    }

    @Test
    void theCoreTestTemplateAttachesItsVolumeAtItsDevice() throws Exception {
        String volume = Ec2Emulator.createVolume(admin, "us-east-1a");
        // Rendered with plausible values; its AttachVolumeInputs is one object (not a list), taken as a list of one.
        Map<String, String> values = new LinkedHashMap<>();
        values.put("properties/metadata/uid", "i-00000000");
        values.put("volumeId", volume);
        values.put("properties/imageId", ami);
        values.put("properties/instanceType", "t2.micro");
        values.put("properties/key", "ops-key");
        values.put("options/region", "us-east-1");
        values.put("metadata/name", "db-1");
        // The template's sg-1234/subnet-1234 are placeholders: the emulator's own take their place.
        String rendered = render(resource("pkg_core_testdata_aws-instance-template.yml"), values)
                .replace("sg-1234", securityGroup).replace("subnet-1234", subnet.subnetId());
        String properties = yaml(rendered).toString();
        try (InstancePluginClient client = client("ec2-instance")) {
            client.validate(new RawJson(properties));
            InstanceId id = client.provision(Spec.of(new RawJson(properties), groupTags()));
            assertThat(described(client, id).tags()).containsEntry("infrakit.name", "db-1");
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String device = null;
            while (device == null && System.nanoTime() < until) {
                device = ec2(id).blockDeviceMappings().stream().filter(m -> volume.equals(m.ebs().volumeId()))
                        .map(m -> m.deviceName()).findFirst().orElse(null);
                if (device == null) {
                    Thread.sleep(200);
                }
            }
            assertThat(device).as("volume %s attached", volume).isEqualTo("/dev/sdf");
        }
    }

    @Test
    void aMissingAttachVolumeInputsVolumeIsRefusedBeforeAnythingIsLaunched() {
        String properties = "{\"RunInstancesInput\":{\"ImageId\":\"" + ami + "\"},\"AttachVolumeInputs\":[{\"Device\":"
                + "\"/dev/sdh\",\"VolumeId\":\"vol-0123456789abcdef0\"}]}";
        assertThatThrownBy(() -> plugin.provision(Spec.of(new RawJson(properties), groupTags())))
                .isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES);
                    assertThat(e.getMessage()).contains("Properties.AttachVolumeInputs[0]");
                });
        assertThat(Ec2Emulator.liveInstances(admin, "infrakit.group", GROUP)).as("nothing launched").isEmpty();
    }

    @Test
    void referenceShapeErrorsNameTheFieldPath() {
        Map<String, String> cases = new LinkedHashMap<>();
        String image = "\"ImageId\":\"ami-12345678\"";
        cases.put("{\"RunInstancesInput\":{" + image + ",\"ImageID\":\"x\"}}",
                "Properties.RunInstancesInput.ImageID: given twice (also as \"ImageId\")");
        cases.put("{\"RunInstancesInput\":{" + image + ",\"NetworkInterfaces\":[{\"AssociatePublicIP\":true}]}}",
                "Properties.RunInstancesInput.NetworkInterfaces[0].AssociatePublicIP: unknown field;");
        cases.put("{\"RunInstancesInput\":{" + image + ",\"DisableApiTermination\":\"yes\"}}",
                "Properties.RunInstancesInput.DisableApiTermination: must be true or false, got a string");
        cases.put("{\"RunInstancesInput\":{" + image + ",\"MaxCount\":3}}",
                "Properties.RunInstancesInput.MaxCount: must be 1 or absent: one Provision launches one instance, got 3");
        cases.put("{\"RunInstancesInput\":{" + image + ",\"ClientToken\":\"abc\"}}",
                "Properties.RunInstancesInput.ClientToken: is set by the plugin");
        cases.put("{\"RunInstancesInput\":{" + image + "},\"AttachVolumeInputs\":[{\"Device\":\"/dev/sdf\"}]}",
                "Properties.AttachVolumeInputs[0].VolumeId: must be a volume id (vol-...), got \"null\"");
        cases.put("{\"RunInstancesInput\":{" + image + "},\"Tagz\":{}}",
                "Properties.Tagz: unknown field; expected one of [AttachVolumeInputs, RunInstancesInput, Tags]");
        cases.put("{\"RequestSpotInstancesInput\":{}}", "Properties.RequestSpotInstancesInput: unknown field;");
        cases.put("{\"RunInstancesInput\":{" + image + ",\"TagSpecifications\":[{\"ResourceType\":\"image\"}]}}",
                "Properties.RunInstancesInput.TagSpecifications[0].ResourceType: must be \"instance\" or \"volume\"");
        cases.forEach((json, message) -> assertThatThrownBy(() -> plugin.validate(new RawJson(json)))
                .as(json).isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES);
                    assertThat(e.getMessage()).contains(message);
                }));
        Map<String, String> spot = new LinkedHashMap<>();
        String launch = "\"LaunchSpecification\":{" + image + "}";
        spot.put("{\"RequestSpotInstancesInput\":{" + launch + ",\"Type\":\"persistent\"}}",
                "Properties.RequestSpotInstancesInput.Type: only \"one-time\" is supported");
        spot.put("{\"RequestSpotInstancesInput\":{" + launch + ",\"BlockDurationMinutes\":60}}",
                "Properties.RequestSpotInstancesInput.BlockDurationMinutes: spot blocks");
        spot.put("{\"RequestSpotInstancesInput\":{" + launch + ",\"InstanceCount\":2}}",
                "Properties.RequestSpotInstancesInput.InstanceCount: must be 1 or absent");
        spot.put("{\"RequestSpotInstancesInput\":{" + launch + ",\"SpotPrice\":\"cheap\"}}",
                "Properties.RequestSpotInstancesInput.SpotPrice: must be a positive decimal price");
        spot.put("{\"RunInstancesInput\":{" + image + "}}",
                "Properties.RunInstancesInput: unknown field; expected one of [AttachVolumeInputs, "
                        + "RequestSpotInstancesInput, Tags]; the ec2-spot-instance type takes RequestSpotInstancesInput");
        spot.forEach((json, message) -> assertThatThrownBy(() -> plugin.validate(new RawJson(json), true))
                .as(json).hasMessageContaining(message));
    }

    @Test
    void theReferenceShapeMatchesNamesCaseInsensitivelyAsGoDid() {
        Ec2Launch lower = Ec2PropertiesDecoder.decode(new RawJson("{\"tags\":{\"a\":\"b\"},\"runinstancesinput\":"
                + "{\"imageid\":\"ami-12345678\",\"placement\":{\"availabilityzone\":\"us-east-1a\"}}}"), false);
        assertThat(lower.tags()).isEqualTo(Map.of("a", "b"));
        assertThat(lower.toRequest().build().placement().availabilityZone()).isEqualTo("us-east-1a");
        // Our own shape stays as it was.
        assertThat(Ec2PropertiesDecoder.decode(Ec2InstancePlugin.EXAMPLE, false)).isInstanceOf(Ec2Properties.class);
    }

    @Test
    void everyRunInstancesMemberReachesTheLaunchAndUserDataIsEncodedOnce() {
        Ec2Launch props = Ec2PropertiesDecoder.decode(new RawJson("{\"RunInstancesInput\":{\"ImageId\":"
                + "\"ami-12345678\",\"KernelId\":\"aki-1\",\"RamdiskId\":\"ari-1\",\"DisableApiTermination\":true,"
                + "\"InstanceInitiatedShutdownBehavior\":\"terminate\",\"SecurityGroups\":[\"default\"],"
                + "\"Placement\":{\"Affinity\":\"host\",\"Tenancy\":\"host\"},\"UserData\":\"#!/bin/sh\\necho hi\","
                + "\"NetworkInterfaces\":[{\"DeviceIndex\":0,\"AssociatePublicIpAddress\":true,\"SubnetId\":"
                + "\"subnet-1\"}],\"TagSpecifications\":[{\"ResourceType\":\"instance\",\"Tags\":[{\"Key\":\"a\","
                + "\"Value\":\"1\"}]}]},\"Tags\":{\"a\":\"2\"}}"), false);
        var r = Ec2LaunchRequest.build(props, Spec.of(RawJson.NULL, Map.of()).withLogicalId("10.0.0.9"), Map.of(),
                java.util.Optional.empty(), Ec2ClientToken.random());
        assertThat(r.kernelId()).isEqualTo("aki-1");
        assertThat(r.ramdiskId()).isEqualTo("ari-1");
        assertThat(r.disableApiTermination()).isTrue();
        assertThat(r.instanceInitiatedShutdownBehaviorAsString()).isEqualTo("terminate");
        assertThat(r.securityGroups()).containsExactly("default");
        assertThat(r.placement().affinity()).isEqualTo("host");
        assertThat(r.networkInterfaces().get(0).associatePublicIpAddress()).isTrue();
        assertThat(r.networkInterfaces().get(0).privateIpAddress()).as("the LogicalID").isEqualTo("10.0.0.9");
        assertThat(r.privateIpAddress()).isNull();
        assertThat(r.minCount()).isEqualTo(1);
        assertThat(r.maxCount()).isEqualTo(1);
        assertThat(props.tags()).as("Tags win over instance TagSpecifications").isEqualTo(Map.of("a", "2"));
        assertThat(new String(Base64.getDecoder().decode(r.userData()), StandardCharsets.UTF_8))
                .isEqualTo("#!/bin/sh\necho hi");
        var withInit = Ec2LaunchRequest.build(props, Spec.of(RawJson.NULL, Map.of()).withInit("init"), Map.of(),
                java.util.Optional.empty(), Ec2ClientToken.random());
        assertThat(new String(Base64.getDecoder().decode(withInit.userData()), StandardCharsets.UTF_8))
                .as("Init replaces UserData, as in the Go plugin").isEqualTo("init");
    }

    @Test
    void handshakeListsTheReferenceSubTypesAndThePlainNameStillServes() throws Exception {
        // Both generations of InfraKit's group plugin: Handshake.Types (2017) and Handshake.Hello (2017-11 on).
        try (var raw = harness.raw()) {
            assertThat(raw.post("{\"jsonrpc\":\"2.0\",\"method\":\"Handshake.Types\",\"params\":{},\"id\":1}").text())
                    .isEqualTo("{\"jsonrpc\":\"2.0\",\"result\":{\"Types\":{\"Instance/0.6.0\":[\"ec2-instance\","
                            + "\"ec2-spot-instance\",\".\"]}},\"id\":1}\n");
            assertThat(raw.post("{\"jsonrpc\":\"2.0\",\"method\":\"Handshake.Hello\",\"params\":{},\"id\":2}").text())
                    .contains("{\"Name\":\"ec2-instance\",\"ProxyFor\":\"\"}",
                            "{\"Name\":\"ec2-spot-instance\",\"ProxyFor\":\"\"}");
        }
        try (InstancePluginClient plain = client("")) {
            assertThat(plain.types().json()).contains("\"ec2-instance\"", "\"ec2-spot-instance\"");
            String ours = "{\"ImageId\":\"" + ami + "\",\"InstanceType\":\"t3.micro\"}";
            InstanceId id = plain.provision(Spec.of(new RawJson(ours), groupTags()));
            try (InstancePluginClient typed = client("ec2-instance")) {
                assertThat(typed.describeInstances(groupTags(), false)).extracting(Description::id).contains(id);
                typed.destroy(id, org.infrakit4j.spi.DestroyContext.TERMINATE);
            }
            assertThat(plain.describeInstances(groupTags(), false)).extracting(Description::id).doesNotContain(id);
        }
        try (InstancePluginClient unknown = client("ec2-volume")) {
            assertThatThrownBy(() -> unknown.describeInstances(Map.of(), false)).hasMessageContaining("no-plugin:ec2-volume");
        }
    }
}
