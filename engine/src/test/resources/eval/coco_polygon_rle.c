/* Prints pycocotools' RLE of polygons (cocoapi common/maskApi.c rleFrPoly), for make_coco_polygon_rles.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "maskApi.h"
/* reads lines: h w n x1 y1 ... ; prints the compressed RLE string and the counts */
int main(){
  int h,w,n;
  while(scanf("%d %d %d",&h,&w,&n)==3){
    double *xy=malloc(sizeof(double)*n);
    for(int i=0;i<n;i++) scanf("%lf",&xy[i]);
    RLE R; rleFrPoly(&R,xy,n/2,h,w);
    char *s=rleToString(&R);
    printf("%s |", s);
    for(siz j=0;j<R.m;j++) printf(" %u",R.cnts[j]);
    printf("\n");
    free(s); rleFree(&R); free(xy);
  }
}
