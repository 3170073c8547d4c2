export * from './collective';
export * from './connect';
export * from './rendezvous';
export * from './launch';
export { TcpCollective, type TcpCollectiveProps } from './tcp-collective';
export { FrameDecoder, FRAME_HEADER_BYTES, FRAME_MAGIC, FRAME_VERSION, Op, encodeFrame, encodeTensorFrame, checkHeader } from './frame';
