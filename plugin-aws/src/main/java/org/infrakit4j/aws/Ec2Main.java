package org.infrakit4j.aws;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.runtime.BuildInfo;
import org.infrakit4j.runtime.PluginLauncher;
import org.infrakit4j.runtime.PropertiesSchema;
import org.infrakit4j.runtime.ReapPolicy;
import org.infrakit4j.runtime.Reaper;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.InstancePlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import org.infrakit4j.spi.InstanceException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/** {@code infrakit-instance-aws}: serves {@link Ec2InstancePlugin} on the socket {@code instance-aws}. */
@Command(name = "infrakit-instance-aws", mixinStandardHelpOptions = true, versionProvider = BuildInfo.class,
        description = "InfraKit instance plugin for EC2 instances, with tags and EBS attachments. Credentials come "
                + "from the AWS SDK's default chain (environment, shared profile, container or instance role). A "
                + "stopped (or stopping) instance is dead: left out of Describe, so its group replaces it, and "
                + "terminated after --reap-after; a dead pet is started again by its LogicalID's next Provision.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:stopped cleanly (SIGTERM or SIGINT)", "1:failed while serving",
            "2:bad command line", "3:could not start (socket in use, no region, bad option value)"})
public final class Ec2Main implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(Ec2Main.class);
    static final String DEFAULT_NAME = "instance-aws";

    @Mixin
    PluginLauncher.Options common;

    @Mixin
    ReapPolicy.Options reaping;

    @Option(names = "--region", paramLabel = "REGION",
            description = "AWS region (default: the SDK's chain: $AWS_REGION, the profile, instance metadata).")
    String region;

    @Option(names = "--profile", paramLabel = "NAME",
            description = "Named profile of ~/.aws/config and ~/.aws/credentials for credentials.")
    String profile;

    @Option(names = "--endpoint", paramLabel = "URL",
            description = "EC2 endpoint override, for emulators and private (VPC) endpoints.")
    URI endpoint;

    @Option(names = "--namespace", paramLabel = "K=V", split = ",",
            description = "Tags put on every instance and required by every Describe, e.g. cluster=prod,team=a.")
    Map<String, String> namespace = new LinkedHashMap<>();

    @Option(names = "--max-retries", paramLabel = "N", defaultValue = "" + Ec2Config.DEFAULT_MAX_RETRIES,
            description = "SDK retries per call, adaptive mode with backoff (default: ${DEFAULT-VALUE}).")
    int maxRetries;

    @Option(names = "--call-timeout", paramLabel = "SECONDS",
            defaultValue = "" + Ec2Config.DEFAULT_CALL_TIMEOUT_SECONDS,
            description = "The most one plugin call may take, all its EC2 calls and their retries included; then it "
                    + "fails as backend unavailable (default: ${DEFAULT-VALUE}).")
    double callTimeoutSeconds;

    @Option(names = "--rate", paramLabel = "PER_SECOND", defaultValue = "" + Ec2Config.DEFAULT_RATE,
            description = "Mutating EC2 calls per second for the whole process, 0 for no limit "
                    + "(default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--validate-dry-run",
            description = "Validate also sends a RunInstances DryRun (checks permissions, AMI, subnet).")
    boolean validateDryRun;

    @Option(names = "--page-size", paramLabel = "N", defaultValue = "" + Ec2Config.DEFAULT_PAGE_SIZE,
            description = "DescribeInstances MaxResults, 5 to 1000 (default: ${DEFAULT-VALUE}).")
    int pageSize;

    /** {@code --properties-schema}: prints the JSON Schema of {@link Ec2Properties} and exits. */
    @Mixin
    PropertiesSchema.Flag schema = new PropertiesSchema.Flag(Ec2Properties.class);

    @Option(names = "--adopt",
            description = "Take over the instances InfraKit's Go plugin made: alive, carrying the namespace and the "
                    + "tags a Describe asks for (or, by id, an infrakit.group tag). Each gets this plugin's marker "
                    + "tag when first met, so later starts need no flag.")
    boolean adopt;

    // InfraKit's Go plugin's flags (reference-providers.md §0, §1.1): deprecated aliases.
    @Option(names = "--namespace-tags", paramLabel = "K=V", split = ",", hidden = true,
            description = "Deprecated alias of --namespace (InfraKit's Go plugin).")
    Map<String, String> namespaceTags;

    @Option(names = "--retries", paramLabel = "N", hidden = true,
            description = "Deprecated alias of --max-retries (InfraKit's Go plugin).")
    Integer retries;

    @Option(names = "--access-key-id", paramLabel = "ID", hidden = true,
            description = "Deprecated (visible in ps): static access key id; use the environment, a profile or a role.")
    String accessKeyId;

    @Option(names = "--secret-access-key", paramLabel = "KEY", hidden = true,
            description = "Deprecated (visible in ps): static secret access key.")
    String secretAccessKey;

    @Option(names = "--session-token", paramLabel = "TOKEN", hidden = true,
            description = "Deprecated (visible in ps): session token of temporary static credentials.")
    String sessionToken;

    @Spec
    CommandSpec spec;

    /** The process environment; tests replace it (InfraKit's INFRAKIT_AWS_* variables are read from it). */
    Map<String, String> environment = System.getenv();

    public static void main(String[] args) {
        // HttpURLConnection silently resends a POST once on some I/O errors: a second RunInstances without the SDK
        // knowing. The SDK's own retries (same ClientToken) are the only ones wanted.
        System.setProperty("sun.net.http.retryPost", "false");
        System.exit(PluginLauncher.execute(new Ec2Main(), args));
    }

    @Override
    public Integer call() throws PluginLauncher.StartupException {
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
        Ec2Credentials credentials = accessKeyId == null ? Ec2Credentials.of(config)
                : Ec2Credentials.fixed(StaticCredentialsProvider.create(sessionToken == null
                        ? AwsBasicCredentials.create(accessKeyId, secretAccessKey)
                        : AwsSessionCredentials.create(accessKeyId, secretAccessKey, sessionToken)));
        // A warning, not a start-up failure: credentials may appear later (a profile written, a role attached),
        // and /healthz says "no credentials" meanwhile.
        credentials.check().ifPresent(missing -> LOG.atWarn().log(missing + "; every EC2 call fails until "
                + "there are some"));
        return Ec2SubTypePlugin.byType(new Ec2InstancePlugin(Ec2Sdk.client(config, credentials, meter, List.of()),
                config, credentials, policy, meter, Reaper.SWEEP_INTERVAL));
    }

    Ec2Config config() throws PluginLauncher.StartupException {
        try {
            Ec2Config config = Ec2Config.of(resolveRegion())
                    .withProfile(profile)
                    .withNamespace(namespace)
                    .withMaxRetries(maxRetries)
                    .withCallTimeout(Duration.ofMillis(Math.round(callTimeoutSeconds * 1000)))
                    .withRate(rate)
                    .withValidateDryRun(validateDryRun)
                    .withPageSize(pageSize)
                    .withAdopt(adopt);
            return endpoint == null ? config : config.withEndpoint(endpoint);
        } catch (IllegalArgumentException e) {
            throw new PluginLauncher.StartupException(e.getMessage(), e);
        }
    }

    /**
     * Turns InfraKit's flags and environment variables into ours, each use recorded as deprecated; two spellings
     * that disagree are a usage error, never a silent choice. Credentials' values are never logged.
     */
    void applyReferenceAliases() throws PluginLauncher.UsageException {
        if (namespaceTags != null) {
            if (!namespace.isEmpty() && !namespace.equals(namespaceTags)) {
                throw new PluginLauncher.UsageException("--namespace-tags " + join(namespaceTags)
                        + " conflicts with --namespace " + join(namespace) + ": give only --namespace");
            }
            namespace = new LinkedHashMap<>(namespaceTags);
            common.deprecated("--namespace-tags is deprecated: use --namespace " + join(namespaceTags));
        }
        String envNamespace = environment.get("INFRAKIT_AWS_NAMESPACE_TAGS");
        if (envNamespace != null && !envNamespace.isBlank() && namespace.isEmpty()) {
            Map<String, String> parsed = new LinkedHashMap<>();
            for (String pair : envNamespace.split(",")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new PluginLauncher.UsageException("INFRAKIT_AWS_NAMESPACE_TAGS: " + GoQuote.quote(
                            pair) + " is not k=v (expected k=v,k2=v2)");
                }
                parsed.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
            namespace = parsed;
            common.deprecated("INFRAKIT_AWS_NAMESPACE_TAGS is deprecated: use --namespace " + join(parsed));
        }
        String envRegion = environment.get("INFRAKIT_AWS_REGION");
        if (envRegion != null && !envRegion.isBlank() && !envRegion.equals("auto") && region == null) {
            region = envRegion;
            common.deprecated("INFRAKIT_AWS_REGION is deprecated: use --region " + envRegion + " or AWS_REGION");
        }
        if (retries != null) {
            if (spec != null && spec.commandLine().getParseResult().hasMatchedOption("--max-retries")
                    && maxRetries != retries) {
                throw new PluginLauncher.UsageException("--retries " + retries + " conflicts with --max-retries "
                        + maxRetries + ": give only --max-retries");
            }
            maxRetries = retries;
            common.deprecated("--retries is deprecated: use --max-retries " + retries);
        }
        if (accessKeyId != null || secretAccessKey != null || sessionToken != null) {
            if (accessKeyId == null || secretAccessKey == null) {
                throw new PluginLauncher.UsageException("--access-key-id and --secret-access-key go together"
                        + (sessionToken != null ? " (--session-token needs both)" : ""));
            }
            if (profile != null) {
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
        if (region != null) {
            return region;
        }
        try {
            return Optional.ofNullable(DefaultAwsRegionProviderChain.builder().profileName(profile).build()
                    .getRegion()).orElseThrow().id();
        } catch (SdkClientException | java.util.NoSuchElementException e) {
            throw new PluginLauncher.StartupException("no AWS region: pass --region or set AWS_REGION", e);
        }
    }
}
