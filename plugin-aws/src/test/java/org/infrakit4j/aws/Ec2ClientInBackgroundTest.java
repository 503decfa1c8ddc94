package org.infrakit4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;

class Ec2ClientInBackgroundTest {
    /** Every EC2 operation the plugin's code calls must be forwarded, or it would answer "not supported". */
    @Test
    void forwardsEveryOperationThePluginCalls() throws IOException {
        Set<String> called = new TreeSet<>();
        Pattern call = Pattern.compile("\\bec2\\.([a-zA-Z]+)\\(");
        try (Stream<Path> sources = Files.list(Path.of("src/main/java/org/infrakit4j/aws"))) {
            for (Path source : sources.toList()) {
                Matcher m = call.matcher(Files.readString(source));
                while (m.find()) {
                    called.add(m.group(1));
                }
            }
        }
        Set<String> forwarded = Arrays.stream(Ec2ClientInBackground.class.getDeclaredMethods())
                .map(Method::getName).collect(Collectors.toSet());
        assertThat(called).contains("runInstances", "describeInstances", "terminateInstances");
        assertThat(forwarded).containsAll(called);
    }

    @Test
    void aFailedBuildIsAnSdkClientErrorOnTheCall() {
        var client = Ec2ClientInBackground.start(() -> {
            throw new IllegalArgumentException("bad endpoint");
        });
        assertThatThrownBy(() -> client.describeInstances(r -> { }))
                .isInstanceOf(SdkClientException.class).hasMessageContaining("bad endpoint");
    }
}
