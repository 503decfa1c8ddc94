package org.infrakit4j.aws;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.runtime.BuildInfo;
import org.infrakit4j.runtime.Flags;
import org.infrakit4j.runtime.PluginLauncher;
import org.infrakit4j.runtime.PropertiesSchema;
import org.infrakit4j.runtime.ReapPolicy;
import org.infrakit4j.runtime.Reaper;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.InstancePlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.infrakit4j.spi.InstanceException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/** {@code infrakit-instance-aws}: serves {@link Ec2InstancePlugin} on the socket {@code instance-aws}. */
public final class Ec2Main implements PluginLauncher.PluginCommand {
    private static final Logger LOG = LoggerFactory.getLogger(Ec2Main.class);
    static final String DEFAULT_NAME = "instance-aws";

    final Flags flags = new Flags("infrakit-instance-aws",
            "InfraKit instance plugin for EC2 instances, with tags and EBS attachments. Credentials come "
                    + "from the AWS SDK's default chain (environment, shared profile, container or instance role). A "
                    + "stopped (or stopping) instance is dead: left out of Describe, so its group replaces it, and "
                    + "terminated after --reap-after; a dead pet is started again by its LogicalID's next Provision.")
            .version(BuildInfo::versionLine)
            .exitCode(0, "stopped cleanly (SIGTERM or SIGINT)")
            .exitCode(1, "failed while serving")
            .exitCode(2, "bad command line")
            .exitCode(3, "could not start (socket in use, no region, bad option value)");

    final PluginLauncher.Options common = new PluginLauncher.Options(flags);

    final ReapPolicy.Options reaping = new ReapPolicy.Options(flags);

    final Flags.Flag<String> region = flags.value("--region", "REGION", Flags.TEXT,
            "AWS region (default: the SDK's chain: $AWS_REGION, the profile, instance metadata).");

    final Flags.Flag<String> profile = flags.value("--profile", "NAME", Flags.TEXT,
            "Named profile of ~/.aws/config and ~/.aws/credentials for credentials.");

    final Flags.Flag<URI> endpoint = flags.value("--endpoint", "URL", Flags.URI,
            "EC2 endpoint override, for emulators and private (VPC) endpoints.");

    final Flags.Flag<Map<String, String>> namespace = flags.keyValues("--namespace", "K=V",
            "Tags put on every instance and required by every Describe, e.g. cluster=prod,team=a.");

    final Flags.Flag<Integer> maxRetries = flags.value("--max-retries", "N", Flags.INTEGER,
            "SDK retries per call, adaptive mode with backoff (default: " + Ec2Config.DEFAULT_MAX_RETRIES + ").")
            .defaultValue(Ec2Config.DEFAULT_MAX_RETRIES);

    final Flags.Flag<Double> callTimeoutSeconds = flags.value("--call-timeout", "SECONDS", Flags.DECIMAL,
            "The most one plugin call may take, all its EC2 calls and their retries included; then it "
                    + "fails as backend unavailable (default: " + Ec2Config.DEFAULT_CALL_TIMEOUT_SECONDS + ").")
            .defaultValue((double) Ec2Config.DEFAULT_CALL_TIMEOUT_SECONDS);

    final Flags.Flag<Double> rate = flags.value("--rate", "PER_SECOND", Flags.DECIMAL,
            "Mutating EC2 calls per second for the whole process, 0 for no limit "
                    + "(default: " + Ec2Config.DEFAULT_RATE + ").")
            .defaultValue(Ec2Config.DEFAULT_RATE);

    final Flags.Flag<Boolean> validateDryRun = flags.flag("--validate-dry-run",
            "Validate also sends a RunInstances DryRun (checks permissions, AMI, subnet).");

    final Flags.Flag<Integer> pageSize = flags.value("--page-size", "N", Flags.INTEGER,
            "DescribeInstances MaxResults, 5 to 1000 (default: " + Ec2Config.DEFAULT_PAGE_SIZE + ").")
            .defaultValue(Ec2Config.DEFAULT_PAGE_SIZE);

    /** {@code --properties-schema}: prints the JSON Schema of {@link Ec2Properties} and exits. */
    final PropertiesSchema.Flag schema = new PropertiesSchema.Flag(flags, Ec2Properties.class);

    final Flags.Flag<Boolean> adopt = flags.flag("--adopt",
            "Take over the instances InfraKit's Go plugin made: alive, carrying the namespace and the "
                    + "tags a Describe asks for (or, by id, an infrakit.group tag). Each gets this plugin's marker "
                    + "tag when first met, so later starts need no flag.");

    // InfraKit's Go plugin's flags (reference-providers.md §0, §1.1): deprecated aliases.
    final Flags.Flag<Map<String, String>> namespaceTags = flags.keyValues("--namespace-tags", "K=V",
            "Deprecated alias of --namespace (InfraKit's Go plugin).").hidden();

    final Flags.Flag<Integer> retries = flags.value("--retries", "N", Flags.INTEGER,
            "Deprecated alias of --max-retries (InfraKit's Go plugin).").hidden();

    final Flags.Flag<String> accessKeyId = flags.value("--access-key-id", "ID", Flags.TEXT,
            "Deprecated (visible in ps): static access key id; use the environment, a profile or a role.").hidden();

    final Flags.Flag<String> secretAccessKey = flags.value("--secret-access-key", "KEY", Flags.TEXT,
            "Deprecated (visible in ps): static secret access key.").hidden();

    final Flags.Flag<String> sessionToken = flags.value("--session-token", "TOKEN", Flags.TEXT,
            "Deprecated (visible in ps): session token of temporary static credentials.").hidden();

    /** The process environment; tests replace it (InfraKit's INFRAKIT_AWS_* variables are read from it). */
    Map<String, String> environment = System.getenv();

    @Override
    public Flags flags() {
        return flags;
    }

    public static void main(String[] args) {
        // HttpURLConnection silently resends a POST once on some I/O errors: a second RunInstances without the SDK
        // knowing. The SDK's own retries (same ClientToken) are the only ones wanted.
        System.setProperty("sun.net.http.retryPost", "false");
        System.exit(PluginLauncher.execute(Ec2Main::new, args));
    }

    @Override
    public int call() throws PluginLauncher.StartupException {
        ReapPolicy policy = reaping.policy(); // a bad --reap-after is a usage error before anything starts
        applyReferenceAliases();
        return PluginLauncher.serve(common, DEFAULT_NAME, meter -> plugins(meter, policy));
    }

    Map<String, InstancePlugin> plugins(BackendMeter meter) throws PluginLauncher.StartupException {
        return plugins(meter, reaping.policy());
    }

    /** The plugin, its reaper sweeping as {@code policy} says. */
    Map<String, InstancePlugin> plugins(BackendMeter meter, ReapPolicy policy) throws PluginLauncher.StartupException {
        Ec2Config config = config();
        String accessKeyId = this.accessKeyId.get();
        String secretAccessKey = this.secretAccessKey.get();
        String sessionToken = this.sessionToken.get();
        Ec2Credentials credentials = accessKeyId == null ? Ec2Credentials.of(config)
                : Ec2Credentials.fixed(StaticCredentialsProvider.create(sessionToken == null
                        ? AwsBasicCredentials.create(accessKeyId, secretAccessKey)
                        : AwsSessionCredentials.create(accessKeyId, secretAccessKey, sessionToken)));
        // A warning, not a start-up failure: credentials may appear later (a profile written, a role attached),
        // and /healthz says "no credentials" meanwhile.
        credentials.check().ifPresent(missing -> LOG.atWarn().log(missing + "; every EC2 call fails until "
                + "there are some"));
        // Built beside the server's start: the socket appears without waiting for the SDK's classes.
        return Ec2SubTypePlugin.byType(new Ec2InstancePlugin(Ec2ClientInBackground.start(
                () -> Ec2Sdk.client(config, credentials, meter, List.of())),
                config, credentials, policy, meter, Reaper.SWEEP_INTERVAL));
    }

    Ec2Config config() throws PluginLauncher.StartupException {
        try {
            Ec2Config config = Ec2Config.of(resolveRegion())
                    .withProfile(profile.get())
                    .withNamespace(namespace.get())
                    .withMaxRetries(maxRetries.get())
                    .withCallTimeout(Duration.ofMillis(Math.round(callTimeoutSeconds.get() * 1000)))
                    .withRate(rate.get())
                    .withValidateDryRun(validateDryRun.get())
                    .withPageSize(pageSize.get())
                    .withAdopt(adopt.get());
            return endpoint.get() == null ? config : config.withEndpoint(endpoint.get());
        } catch (IllegalArgumentException e) {
            throw new PluginLauncher.StartupException(e.getMessage(), e);
        }
    }

    /**
     * Turns InfraKit's flags and environment variables into ours, each use recorded as deprecated; two spellings
     * that disagree are a usage error, never a silent choice. Credentials' values are never logged. An alias in
     * use sets our flag as if it had been given.
     */
    void applyReferenceAliases() throws PluginLauncher.UsageException {
        if (namespaceTags.given()) {
            Map<String, String> tags = namespaceTags.get();
            if (!namespace.get().isEmpty() && !namespace.get().equals(tags)) {
                throw new PluginLauncher.UsageException("--namespace-tags " + join(tags)
                        + " conflicts with --namespace " + join(namespace.get()) + ": give only --namespace");
            }
            namespace.set(tags);
            common.deprecated("--namespace-tags is deprecated: use --namespace " + join(tags));
        }
        String envNamespace = environment.get("INFRAKIT_AWS_NAMESPACE_TAGS");
        if (envNamespace != null && !envNamespace.isBlank() && namespace.get().isEmpty()) {
            Map<String, String> parsed = new LinkedHashMap<>();
            for (String pair : envNamespace.split(",")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new PluginLauncher.UsageException("INFRAKIT_AWS_NAMESPACE_TAGS: " + GoQuote.quote(
                            pair) + " is not k=v (expected k=v,k2=v2)");
                }
                parsed.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
            namespace.set(Collections.unmodifiableMap(parsed));
            common.deprecated("INFRAKIT_AWS_NAMESPACE_TAGS is deprecated: use --namespace " + join(parsed));
        }
        String envRegion = environment.get("INFRAKIT_AWS_REGION");
        if (envRegion != null && !envRegion.isBlank() && !envRegion.equals("auto") && region.get() == null) {
            region.set(envRegion);
            common.deprecated("INFRAKIT_AWS_REGION is deprecated: use --region " + envRegion + " or AWS_REGION");
        }
        Integer retries = this.retries.get();
        if (retries != null) {
            if (maxRetries.given() && maxRetries.get().intValue() != retries.intValue()) {
                throw new PluginLauncher.UsageException("--retries " + retries + " conflicts with --max-retries "
                        + maxRetries.get() + ": give only --max-retries");
            }
            maxRetries.set(retries);
            common.deprecated("--retries is deprecated: use --max-retries " + retries);
        }
        String accessKeyId = this.accessKeyId.get();
        String secretAccessKey = this.secretAccessKey.get();
        String sessionToken = this.sessionToken.get();
        if (accessKeyId != null || secretAccessKey != null || sessionToken != null) {
            if (accessKeyId == null || secretAccessKey == null) {
                throw new PluginLauncher.UsageException("--access-key-id and --secret-access-key go together"
                        + (sessionToken != null ? " (--session-token needs both)" : ""));
            }
            if (profile.get() != null) {
                throw new PluginLauncher.UsageException("--access-key-id/--secret-access-key conflict with --profile: "
                        + "give only one source of credentials");
            }
            common.deprecated("--access-key-id, --secret-access-key" + (sessionToken != null ? ", --session-token" : "")
                    + " are deprecated: credentials on the command line are visible to every user in ps; use "
                    + "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, --profile or an instance role (these now take "
                    + "precedence over the default chain)");
        }
    }

    private static String join(Map<String, String> tags) {
        StringBuilder b = new StringBuilder();
        tags.forEach((k, v) -> b.append(b.length() == 0 ? "" : ",").append(k).append('=').append(v));
        return b.toString();
    }

    private String resolveRegion() throws PluginLauncher.StartupException {
        if (region.get() != null) {
            return region.get();
        }
        try {
            return Optional.ofNullable(DefaultAwsRegionProviderChain.builder().profileName(profile.get()).build()
                    .getRegion()).orElseThrow().id();
        } catch (SdkClientException | java.util.NoSuchElementException e) {
            throw new PluginLauncher.StartupException("no AWS region: pass --region or set AWS_REGION", e);
        }
    }
}
