export * from './protobuf';
export * from './onnx';
export type { OnnxInputType } from './onnx-proto';
