package org.infrakit4j.testkit;

import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;

/** A fake plugin whose calls run the functions its fields hold; for testing the rpc layer, never a backend. */
public final class FakeInstancePlugin implements InstancePlugin {
    public Consumer<RawJson> doValidate = p -> { };
    public Function<Spec, InstanceId> doProvision = s -> new InstanceId("fake");
    public BiConsumer<InstanceId, Map<String, String>> doLabel = (i, l) -> { };
    public BiConsumer<InstanceId, DestroyContext> doDestroy = (i, c) -> { };
    public BiFunction<Map<String, String>, Boolean, List<Description>> doDescribe = (t, p) -> List.of();

    @Override
    public void validate(RawJson properties) {
        doValidate.accept(properties);
    }

    @Override
    public InstanceId provision(Spec spec) {
        return doProvision.apply(spec);
    }

    @Override
    public void label(InstanceId instance, Map<String, String> labels) {
        doLabel.accept(instance, labels);
    }

    @Override
    public void destroy(InstanceId instance, DestroyContext context) {
        doDestroy.accept(instance, context);
    }

    @Override
    public List<Description> describeInstances(Map<String, String> tags, boolean properties) {
        return doDescribe.apply(tags, properties);
    }
}
