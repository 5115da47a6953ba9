/**
 * What every front door of an {@link io.inferno.Inferno} shares, kept free of any transport: the Open Inference
 * Protocol's (KServe V2) protocol-neutral part, which both its gRPC binding (inferno-grpc) and its REST binding
 * (inferno-http) use, and the request counter every server counts into.
 *
 * <ul>
 *   <li>{@link io.inferno.protocol.V2Datatype}: the protocol's datatypes and Inferno's dtypes, both ways.
 *   <li>{@link io.inferno.protocol.V2ModelMetadata}: a model version as the protocol describes it (platform name,
 *       {@code -1} for variable dimensions).
 *   <li>{@link io.inferno.protocol.V2}: the server's name and version, version strings, request parameters.
 *   <li>{@link io.inferno.protocol.RequestCounter}: {@code infer_requests_total}, one per metrics registry.
 * </ul>
 *
 * See docs/open-inference-protocol.md.
 */
package io.inferno.protocol;
