# prescale_grpc_proto_library(TARGET PROTO): compiles PROTO (a path relative to the source root)
# with protoc and the gRPC C++ plugin into ${CMAKE_BINARY_DIR}/generated/<same path>, so that the
# generated headers are included as "<dir>/<name>.grpc.pb.h", and makes a static library of them.
function(prescale_grpc_proto_library target proto)
  get_filename_component(dir ${proto} DIRECTORY)
  get_filename_component(stem ${proto} NAME_WE)
  set(out ${CMAKE_BINARY_DIR}/generated/${dir})
  set(generated ${out}/${stem}.pb.cc ${out}/${stem}.pb.h ${out}/${stem}.grpc.pb.cc
    ${out}/${stem}.grpc.pb.h)
  add_custom_command(
    OUTPUT ${generated}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out}
    COMMAND protobuf::protoc
      --proto_path=${CMAKE_SOURCE_DIR}
      --cpp_out=${CMAKE_BINARY_DIR}/generated
      --grpc_out=${CMAKE_BINARY_DIR}/generated
      --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>
      ${CMAKE_SOURCE_DIR}/${proto}
    DEPENDS ${CMAKE_SOURCE_DIR}/${proto} protobuf::protoc gRPC::grpc_cpp_plugin
    COMMENT "protoc (C++ and gRPC) ${proto}"
    VERBATIM)
  add_library(${target} STATIC ${generated})
  target_link_libraries(${target} PUBLIC gRPC::grpc++ protobuf::libprotobuf)
  # Generated code: not ours to warn about.
  target_compile_options(${target} PRIVATE -w)
endfunction()
