# The renderer benchmark needs the viewer's renderer library (cairo).
if(TARGET render_bench)
    if(TARGET gcs_viz)
        target_link_libraries(render_bench PRIVATE gcs_viz)
    else()
        set_target_properties(render_bench PROPERTIES EXCLUDE_FROM_ALL ON)
    endif()
endif()
