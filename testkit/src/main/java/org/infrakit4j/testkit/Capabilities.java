package org.infrakit4j.testkit;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * What a provider's backend can do here, declared by its contract test. The suite proves every supported capability
 * works, and that every unsupported one fails with exactly the declared error while the same plugin still
 * provisions: "cannot" is a tested behaviour, never a skip.
 *
 * @param maxInstances how many instances the backend really holds at once here, on a busy 2-core machine (a file, a
 *     container and a qemu domain differ by orders of magnitude); the concurrency test provisions that many at once
 * @param attachmentTypes the attachment types provisioned and checked in the backend (every one of them appears in
 *     the contract test's spec with attachments)
 * @param otherAttachmentType empty when the provider takes any attachment type (stored as given); else a type it
 *     refuses and the exact error for it
 * @param initRefused empty when Init is applied; else the exact error a Provision with Init gets
 * @param labelRefused empty when Label merges tags; else the exact error every Label gets
 * @param logicalIds the LogicalID this backend takes here for one the suite suggests ("10.0.0.7", "mgr-1"), e.g. an
 *     IP moved into the subnet
 */
public record Capabilities(int maxInstances, Set<String> attachmentTypes,
                           Optional<RefusedAttachment> otherAttachmentType, Optional<ExpectedError> initRefused,
                           Optional<ExpectedError> labelRefused, UnaryOperator<String> logicalIds) {

    /** An attachment type the provider refuses, with the exact error a Provision carrying it gets. */
    public record RefusedAttachment(String type, ExpectedError error) {
        public RefusedAttachment {
            Objects.requireNonNull(error, "error");
            if (type == null || type.isBlank()) {
                throw new IllegalArgumentException("a refused attachment type must be named");
            }
        }
    }

    public Capabilities {
        if (maxInstances < 2) {
            throw new IllegalArgumentException("maxInstances must be at least 2 to test concurrency, got "
                    + maxInstances);
        }
        attachmentTypes = Set.copyOf(attachmentTypes);
        Objects.requireNonNull(otherAttachmentType, "otherAttachmentType");
        Objects.requireNonNull(initRefused, "initRefused");
        Objects.requireNonNull(labelRefused, "labelRefused");
        Objects.requireNonNull(logicalIds, "logicalIds");
        if (otherAttachmentType.isPresent() && attachmentTypes.contains(otherAttachmentType.get().type())) {
            throw new IllegalArgumentException("attachment type " + otherAttachmentType.get().type()
                    + " is declared both supported and refused");
        }
    }

    /** Starts a declaration: {@code maxInstances} at once, everything else must be stated. */
    public static Builder holding(int maxInstances) {
        return new Builder(maxInstances);
    }

    /** Builds a {@link Capabilities}; attachments must be declared one way or the other. */
    public static final class Builder {
        private final int maxInstances;
        private Set<String> attachmentTypes;
        private Optional<RefusedAttachment> otherAttachmentType = Optional.empty();
        private boolean attachmentsDeclared;
        private Optional<ExpectedError> initRefused = Optional.empty();
        private Optional<ExpectedError> labelRefused = Optional.empty();
        private UnaryOperator<String> logicalIds = UnaryOperator.identity();

        private Builder(int maxInstances) {
            this.maxInstances = maxInstances;
        }

        /** The provider applies these attachment types and refuses {@code refusedType} with {@code error}. */
        public Builder attachments(Set<String> types, String refusedType, ExpectedError error) {
            this.attachmentTypes = types;
            this.otherAttachmentType = Optional.of(new RefusedAttachment(refusedType, error));
            this.attachmentsDeclared = true;
            return this;
        }

        /** The provider keeps any attachment type as given; {@code checked} are the ones the spec exercises. */
        public Builder anyAttachmentType(Set<String> checked) {
            this.attachmentTypes = checked;
            this.otherAttachmentType = Optional.empty();
            this.attachmentsDeclared = true;
            return this;
        }

        /** A Provision with Init fails with {@code error} (the backend cannot take it here). */
        public Builder initRefused(ExpectedError error) {
            this.initRefused = Optional.of(Objects.requireNonNull(error, "error"));
            return this;
        }

        /** Every Label fails with {@code error} (the backend cannot change tags). */
        public Builder labelRefused(ExpectedError error) {
            this.labelRefused = Optional.of(Objects.requireNonNull(error, "error"));
            return this;
        }

        /** The LogicalID the backend takes for a suggested one. */
        public Builder logicalIds(UnaryOperator<String> mapping) {
            this.logicalIds = Objects.requireNonNull(mapping, "mapping");
            return this;
        }

        public Capabilities build() {
            if (!attachmentsDeclared) {
                throw new IllegalStateException("declare the attachment types: attachments(...) or "
                        + "anyAttachmentType(...)");
            }
            return new Capabilities(maxInstances, attachmentTypes, otherAttachmentType, initRefused, labelRefused,
                    logicalIds);
        }
    }
}
