package org.infrakit4j.aws;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A RunInstances ClientToken (EC2 allows 64 ASCII characters). A pet's is derived from its LogicalID and tags, so
 * a retried Provision (even from another plugin process) gets the instance already made; the generation moves on
 * when that token's instance was terminated, since EC2 would otherwise hand back the dead instance.
 */
record Ec2ClientToken(String value) {
    Ec2ClientToken {
        Objects.requireNonNull(value, "value");
        if (value.isEmpty() || value.length() > 64) {
            throw new IllegalArgumentException("a ClientToken has 1 to 64 characters");
        }
    }

    /** For cattle: unique per Provision call; the SDK's retries of that call resend it. */
    static Ec2ClientToken random() {
        return new Ec2ClientToken("ik4j-" + UUID.randomUUID());
    }

    static Ec2ClientToken forPet(String logicalId, Map<String, String> tags, int generation) {
        StringBuilder text = new StringBuilder("infrakit4j/1\n").append(logicalId).append('\n');
        new TreeMap<>(tags).forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        text.append(generation);
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return new Ec2ClientToken("ik4j-" + Base64.getUrlEncoder().withoutPadding().encodeToString(hash));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
