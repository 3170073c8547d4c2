export * from './protobuf';
export * from './onnx';
