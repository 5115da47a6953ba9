/**
 * A Java client of a remote Inferno's native REST API: {@link io.inferno.client.InfernoClient}, which implements
 * core's {@link io.inferno.ModelService} as the embedded {@link io.inferno.Inferno} does.
 */
package io.inferno.client;
