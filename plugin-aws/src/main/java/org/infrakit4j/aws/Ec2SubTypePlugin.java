package org.infrakit4j.aws;

import java.util.List;
import java.util.Map;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.PropertiesExample;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;

/**
 * The plugin under one of InfraKit's AWS sub-type names ({@code ec2-instance}, {@code ec2-spot-instance}): the same
 * instances, reaper and EC2 client; only how Properties are read differs for spot. Not closeable: the plugin it
 * serves is closed once, under the default type.
 *
 * @param spot whether Properties are a spot launch ({@code RequestSpotInstancesInput}, or ours with
 *     {@code InstanceMarketOptions})
 */
record Ec2SubTypePlugin(Ec2InstancePlugin plugin, boolean spot) implements InstancePlugin, PropertiesExample {
    static final String INSTANCE = "ec2-instance";
    static final String SPOT_INSTANCE = "ec2-spot-instance";

    /** Example of the spot type: InfraKit's spot shape, a one-time request. */
    static final RawJson SPOT_EXAMPLE = new RawJson("{\"Tags\":{\"project\":\"demo\"},\"RequestSpotInstancesInput\":"
            + "{\"SpotPrice\":\"0.05\",\"Type\":\"one-time\",\"LaunchSpecification\":{\"ImageId\":"
            + "\"ami-0abcdef1234567890\",\"InstanceType\":\"t3.micro\",\"SubnetId\":\"subnet-0abc1234\"}}}");

    Ec2SubTypePlugin {
        java.util.Objects.requireNonNull(plugin, "plugin");
    }

    /** The plugins by type: the default, and InfraKit's sub-type names. */
    static Map<String, InstancePlugin> byType(Ec2InstancePlugin plugin) {
        return Map.of("", plugin, INSTANCE, new Ec2SubTypePlugin(plugin, false),
                SPOT_INSTANCE, new Ec2SubTypePlugin(plugin, true));
    }

    @Override
    public void validate(RawJson properties) {
        plugin.validate(properties, spot);
    }

    @Override
    public InstanceId provision(Spec spec) {
        return plugin.provision(spec, spot);
    }

    @Override
    public void label(InstanceId id, Map<String, String> labels) {
        plugin.label(id, labels);
    }

    @Override
    public void destroy(InstanceId id, DestroyContext context) {
        plugin.destroy(id, context);
    }

    @Override
    public List<Description> describeInstances(Map<String, String> tags, boolean properties) {
        return plugin.describeInstances(tags, properties);
    }

    @Override
    public RawJson exampleProperties() {
        return spot ? SPOT_EXAMPLE : plugin.exampleProperties();
    }
}
