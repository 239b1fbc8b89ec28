# xpledge_embed(OUT_VAR SYMBOL FILE): generate a .cpp that defines
#   extern const std::string_view SYMBOL;   (in namespace xpledge::embedded)
# holding FILE's bytes, and append the generated source's path to OUT_VAR.
# Used for policies compiled into the binary (default policy, promise catalogue).
function(xpledge_embed out_var symbol file)
  get_filename_component(abs "${file}" ABSOLUTE)
  set(gen "${CMAKE_CURRENT_BINARY_DIR}/embedded_${symbol}.cpp")
  add_custom_command(
    OUTPUT "${gen}"
    COMMAND ${CMAKE_COMMAND} -DIN=${abs} -DOUT=${gen} -DSYMBOL=${symbol}
            -P "${PROJECT_SOURCE_DIR}/cmake/EmbedFile.cmake"
    DEPENDS "${abs}" "${PROJECT_SOURCE_DIR}/cmake/EmbedFile.cmake"
    COMMENT "Embedding ${file}")
  set(${out_var} ${${out_var}} "${gen}" PARENT_SCOPE)
endfunction()
